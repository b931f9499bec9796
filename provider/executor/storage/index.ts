export * from './qemu-img';
export * from './pool-path';
export * from './image-transfer';
export * from './dir-pool-storage';
export * from './iso9660-image';
export * from './nocloud-seed';
export * from './disk-chain';
export * from './volume-disk-pools';
