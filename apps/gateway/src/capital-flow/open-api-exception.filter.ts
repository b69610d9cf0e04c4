import { ArgumentsHost, BadRequestException, Catch, ExceptionFilter, HttpException, Injectable, Logger } from '@nestjs/common';
import { STORE_RETRY_AFTER_SECONDS, unavailableStore } from '@app/storage';
import { ThrottlerException } from '@nestjs/throttler';
import type { Response } from 'express';
import { CapitalFlowMetrics } from './capital-flow.metrics';
import { OpenApiAccess, SignedHttpRequest } from './open-api-access';
import { OPEN_API_CODES, OpenApiEnvelope, OpenApiError, requestIdOf, routeOf } from './open-api-envelope';

/** Controller-scoped: keeps the seed envelope `{code, message, data, requestId}` for every error of the open API. */
@Catch()
@Injectable()
export class OpenApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('OpenApi');

  constructor(
    private readonly metrics: CapitalFlowMetrics,
    private readonly access: OpenApiAccess,
  ) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const http = host.switchToHttp();
    const request = http.getRequest<SignedHttpRequest>();
    const response = http.getResponse<Response>();
    // a call refused after its signature was checked spends it now; a replay is refused as a replay
    const replay = await this.access.spendRefused(request);
    const { code, status, message, headers } = this.describe(replay ?? exception);
    const body: OpenApiEnvelope<null> = { code, message, data: null, requestId: requestIdOf(request) };
    this.metrics.requests.inc({ route: routeOf(request), code: String(code) });
    response.status(status).set({ ...headers, 'x-request-id': body.requestId }).json(body);
  }

  private describe(exception: unknown): { code: number; status: number; message: string; headers: Record<string, string> } {
    if (exception instanceof OpenApiError) return { code: exception.code, status: exception.status, message: exception.message, headers: exception.headers };
    if (exception instanceof ThrottlerException) {
      // not 42900: that code means "points exhausted", which a client handles differently from "slow down"
      return { code: OPEN_API_CODES.rateLimited, status: 429, message: exception.message, headers: {} };
    }
    if (exception instanceof BadRequestException) {
      // ValidationPipe (body fields) or the JSON parser (malformed body)
      const response = exception.getResponse() as { message?: string | string[] };
      const detail = Array.isArray(response.message) ? response.message.join('; ') : (response.message ?? exception.message);
      return { code: OPEN_API_CODES.invalidParams, status: 400, message: `invalid request body: ${detail}`, headers: {} };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return { code: status * 100, status, message: exception.message, headers: {} };
    }
    const store = unavailableStore(exception);
    if (store) {
      // Redis (points, replay guard) or Postgres down or restarting: the same request may succeed in a moment
      this.logger.warn(exception instanceof Error ? exception.message : String(exception));
      return {
        code: OPEN_API_CODES.dataUnavailable,
        status: 503,
        message: `the ${store} is unavailable right now; retry in a few seconds`,
        headers: { 'retry-after': String(STORE_RETRY_AFTER_SECONDS) },
      };
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return { code: OPEN_API_CODES.internal, status: 500, message: 'internal error', headers: {} };
  }
}
