export * from './metrics.service';
export * from './observability.module';
export * from './once-per-window';
export * from './redact-secrets';
