export * from './volume';
export * from './encryption';
export * from './defaults';
export * from './validate';
