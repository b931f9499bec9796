export * from './definition-store';
export * from './apply-executor';
export * from './apply-plan';
export * from './live-state-reader';
export * from './domain-executor';
