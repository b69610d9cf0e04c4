export * from './api-key-auth';
export * from './api-keys-file';
export * from './api-keys.module';
export * from './contracts';
export * from './key-hash';
export * from './server-salt';
export * from './sql-api-key-store';
export * from './validate-input';
