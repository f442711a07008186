export * from './clock';
export * from './env';
export * from './messaging.env';
export * from './logging';
export * from './api-tokens';
