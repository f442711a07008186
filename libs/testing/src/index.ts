export * from './database';
export * from './fixtures';
export * from './nats';
export * from './factory';
export * from './event-log';
export * from './processes';
