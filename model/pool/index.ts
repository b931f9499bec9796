export * from './pool';
export * from './source';
export * from './permissions';
export * from './storage-path';
export * from './pool-types';
export * from './defaults';
export * from './validate';
