export * from './leadership';
export * from './fencing';
export * from './local-leadership';
export * from './redis-leadership';
export * from './replica-id';
export * from './cluster-redis';
export * from './cluster.module';
export * from './cluster-status';
