export * from './pci-sysfs';
export * from './vfio-bind';
export * from './sriov';
export * from './mdev';
export * from './memlock';
export * from './prepare-hostdevs';
