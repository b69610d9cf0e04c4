export * from './origin-policy';
export * from './rate-limit';
export * from './request-body';
export * from './shared-rate-limit-storage';
export * from './client-address';
