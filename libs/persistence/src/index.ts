export * from './column.transformers';
export * from './data-source';
export * from './dead-letter.entity';
export * from './migrate';
export * from './persistence.module';
export * from './projection-checkpoint.entity';
export * from './stage.entity';
export * from './task.entity';
