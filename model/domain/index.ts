export * from './domain';
export * from './defaults';
export * from './validate';
export * from './cpuset';
