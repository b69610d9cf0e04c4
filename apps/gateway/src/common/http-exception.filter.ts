import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { describeBodyError } from '@app/http-security';
import { STORE_RETRY_AFTER_SECONDS, unavailableStore } from '@app/storage';

/**
 * Every HTTP error leaves as `{ code, message, details }` (PRODUCT.md "Errors"); a body the parsers refused
 * (too large: 413, too deep or malformed: 400) names the problem; a store that cannot be reached (Postgres or Redis
 * down or restarting) is a 503 with Retry-After; unknown errors are logged and answered with a bare 500 so internals
 * never leak.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const payload = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : { message: body };
      const details = Array.isArray(payload.details) ? payload.details : Array.isArray(payload.message) ? payload.message : [];
      const message = typeof payload.message === 'string' ? payload.message : exception.message;
      response.status(status).json({ code: payload.code ?? status, message, details });
      return;
    }
    const bodyProblem = describeBodyError(exception);
    if (bodyProblem) {
      response.status(bodyProblem.status).json({ code: bodyProblem.status, message: bodyProblem.message, details: [] });
      return;
    }
    const store = unavailableStore(exception);
    if (store) {
      // expected during an outage: one line, no stack (readiness already reports it)
      this.logger.warn(exception instanceof Error ? exception.message : String(exception));
      response
        .status(HttpStatus.SERVICE_UNAVAILABLE)
        .set('retry-after', String(STORE_RETRY_AFTER_SECONDS))
        .json({ code: 503, message: `the ${store} is unavailable right now; retry in a few seconds`, details: [] });
      return;
    }
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    response.status(HttpStatus.INTERNAL_SERVER_ERROR).json({ code: 500, message: 'Internal server error', details: [] });
  }
}
