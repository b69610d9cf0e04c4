export * from './app-config';
export * from './config.module';
export * from './config-slice';
export * as env from './env-vars';
