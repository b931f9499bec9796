export * from './hugepage-state';
export * from './prepare-hugepages';
