export * from './state-error';
export * from './resource-ref';
export * from './ownership-record';
export * from './host-lock';
export * from './state-store';
export * from './journal-replay';
export * from './journal';
