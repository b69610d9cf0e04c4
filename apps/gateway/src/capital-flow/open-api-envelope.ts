import type { SignatureFailure } from '@app/api-keys/signing';
import { describeBodyError } from '@app/http-security';
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { CapitalFlowMetrics } from './capital-flow.metrics';

/** The seed's envelope, for successes and errors alike. */
export interface OpenApiEnvelope<T> {
  code: number;
  message: string;
  data: T | null;
  requestId: string;
}

/** Envelope codes: 200 on success; errors are the HTTP status × 100 + a case number, so each failure has its own. */
export const OPEN_API_CODES = {
  success: 200,
  invalidParams: 40000,
  missingCredentials: 40100,
  invalidTimestamp: 40101,
  staleTimestamp: 40102,
  unknownKey: 40103,
  invalidSignature: 40104,
  replayed: 40105,
  unknownToken: 40400,
  bodyTooLarge: 41300,
  pointsExhausted: 42900,
  rateLimited: 42901,
  internal: 50000,
  /**
   * temporarily unavailable, retry after the Retry-After header: the token has no stored point yet (its upstream has
   * failed since start; nothing charged), or a store (Redis, Postgres) cannot be reached right now
   */
  dataUnavailable: 50300,
} as const;

export const SIGNATURE_FAILURE_CODES: Readonly<Record<SignatureFailure, number>> = {
  missing_credentials: OPEN_API_CODES.missingCredentials,
  invalid_timestamp: OPEN_API_CODES.invalidTimestamp,
  stale_timestamp: OPEN_API_CODES.staleTimestamp,
  unknown_key: OPEN_API_CODES.unknownKey,
  invalid_signature: OPEN_API_CODES.invalidSignature,
  replayed: OPEN_API_CODES.replayed,
};

/** A refusal of the open API: its envelope code, HTTP status and extra response headers. */
export class OpenApiError extends Error {
  override name = 'OpenApiError';
  constructor(
    readonly code: number,
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

type RequestWithId = Request & { openApiRequestId?: string };

/** The request's id (also sent as `X-Request-Id`), made once per request. */
export function requestIdOf(request: RequestWithId): string {
  return (request.openApiRequestId ??= randomUUID());
}

export function success<T>(request: Request, data: T): OpenApiEnvelope<T> {
  return { code: OPEN_API_CODES.success, message: 'success', data, requestId: requestIdOf(request) };
}

/**
 * Answers a success envelope as one JSON string, so Node writes headers and body in one go. (Express's `json`
 * turns a body over 1,000 characters into a Buffer written as a second chunk, and hashes it for an ETag that no
 * signed POST answer can use: each carries its own requestId.)
 */
export function sendSuccess<T>(request: Request, response: Response, data: T): void {
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.end(JSON.stringify(success(request, data)));
}

/**
 * Express error middleware for the open API prefix: a body the JSON parser refused (malformed, too large) never
 * reaches the controller or its filter, so it is answered here in the seed envelope instead of the app-wide shape.
 */
export function bodyParserErrorsAsEnvelope(metrics: CapitalFlowMetrics) {
  return (error: unknown, request: RequestWithId, response: Response, next: (error?: unknown) => void): void => {
    const parserError = error as { type?: string } | undefined;
    const problem = parserError?.type?.startsWith('entity.') ? describeBodyError(error) : undefined;
    if (!problem || response.headersSent) return next(error);
    const code = problem.status === 413 ? OPEN_API_CODES.bodyTooLarge : OPEN_API_CODES.invalidParams;
    metrics.requests.inc({ route: request.path, code: String(code) });
    const body: OpenApiEnvelope<null> = { code, message: `invalid request body: ${problem.message}`, data: null, requestId: requestIdOf(request) };
    response.status(problem.status).set('x-request-id', body.requestId).json(body);
  };
}

/** the route template (bounded label values), not the raw URL */
export function routeOf(request: Request): string {
  return (request.route as { path?: string } | undefined)?.path ?? 'unmatched';
}
