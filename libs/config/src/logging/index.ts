export * from './app-logger';
export * from './install-logger';
export * from './log-context';
export * from './logging.env';
export * from './redact';
