export * from './request-signature';
export * from './replay-guard';
export * from './signed-request-verifier';
