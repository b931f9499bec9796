export * from './qemu-caps';
export * from './qmp-schema';
export * from './flag-rules';
export * from './qmp-transcript';
export * from './qmp-probe';
export * from './binary-probe';
export * from './libvirt-caps-xml';
export * from './caps-cache';
