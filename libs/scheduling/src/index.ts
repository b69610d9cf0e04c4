export * from './deadlines';
export * from './job-scheduler';
export * from './scheduling.module';
