export * from './codec';
export * from './dsl';
export * from './element-codecs';
export * from './binder';
export * from './validate';
export * from './source-map';
export * from './namespaces';
export * from './issue-at';
