/**
 * The gateway's machine-readable contract: JSON Schema read from the DTOs, the AsyncAPI document of the streams,
 * and the pieces of the OpenAPI document that are not per-controller (security schemes, validation errors).
 */
export * from './asyncapi';
export * from './dto-schema';
export * from './openapi';
export * from './view-descriptor';
export * from './validation-pipes';
