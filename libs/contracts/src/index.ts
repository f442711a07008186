export * from './build';
export * from './envelope';
export * from './ids';
export * from './messages';
export * from './stage';
export * from './subjects';
export * from './upcasters';
export * from './validate';
