export * from './database';
export * from './fixtures';
export * from './nats';
export * from './factory';
