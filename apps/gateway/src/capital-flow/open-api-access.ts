import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type Redis from 'ioredis';
import type { IncomingMessage } from 'node:http';
import { API_KEY_STORE, ApiConsumer, ApiKeyStore } from '@app/api-keys';
import { PointsMeter, RedisPointsCounter, SqlPointsCounter } from '@app/api-keys/metering';
import { RedisReplayGuard, SIGNATURE_HEADERS, SignedRequestError, SignedRequestVerifier, SqlReplayGuard } from '@app/api-keys/signing';
import { APP_CONFIG, AppConfig } from '@app/config';
import { DATABASE, Database } from '@app/storage';
import { OPEN_API_CODES, OpenApiError, SIGNATURE_FAILURE_CODES } from './open-api-envelope';
import { OPEN_API_REDIS } from './shared-redis';

/** Points per call (seed: getCoinTradeSnapshot costs 3; the token list is the free prerequisite). */
export const POINTS_COST = { snapshot: 3, tokenList: 0 } as const;

export const POINTS_HEADERS = { limit: 'x-points-limit', remaining: 'x-points-remaining', reset: 'x-points-reset', cost: 'x-points-cost' } as const;

type RawRequest = IncomingMessage & { rawBody?: Buffer };
export type SignedHttpRequest = Request & { rawBody?: Buffer; apiConsumer?: ApiConsumer };

const header = (request: IncomingMessage, name: string): string | undefined => {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() || undefined;
};

/**
 * Signed-request auth and points metering of the open API. Replay guard and points counters live in Redis when
 * `REDIS_URL` is set (shared by replicas), else in the database.
 */
@Injectable()
export class OpenApiAccess {
  private readonly verifier: SignedRequestVerifier;
  readonly meter: PointsMeter;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(DATABASE) db: Database,
    @Inject(API_KEY_STORE) keys: ApiKeyStore,
    @Inject(OPEN_API_REDIS) redis: Redis | undefined,
  ) {
    // with Redis, every replica checks and charges the same keys: a signature is accepted once, a quota spent once
    const prefix = config.redis.keyPrefix;
    this.verifier = new SignedRequestVerifier(keys, redis ? new RedisReplayGuard(redis, `${prefix}api:replay:`) : new SqlReplayGuard(db));
    this.meter = new PointsMeter(redis ? new RedisPointsCounter(redis, `${prefix}api:points:`) : new SqlPointsCounter(db), config.auth.pointsPeriod ?? 'month');
  }

  /** Verifies an HTTP request or a WebSocket upgrade (body: the raw bytes; none for an upgrade). */
  async authenticate(request: RawRequest): Promise<ApiConsumer> {
    try {
      return await this.verifier.verify({
        apiKey: header(request, SIGNATURE_HEADERS.apiKey),
        timestamp: header(request, SIGNATURE_HEADERS.timestamp),
        sign: header(request, SIGNATURE_HEADERS.sign),
        method: request.method ?? 'GET',
        path: (request as Partial<Request>).originalUrl ?? request.url ?? '/',
        body: request.rawBody ?? '',
      });
    } catch (error) {
      if (error instanceof SignedRequestError) throw new OpenApiError(SIGNATURE_FAILURE_CODES[error.reason], 401, error.message);
      throw error;
    }
  }

  /** Charges `cost` points; the balance headers either way; a refusal (nothing charged) is a 429 envelope. */
  async charge(consumer: ApiConsumer, cost: number): Promise<Record<string, string>> {
    const result = await this.meter.charge(consumer, cost);
    const headers = {
      [POINTS_HEADERS.limit]: String(result.limit),
      [POINTS_HEADERS.remaining]: String(result.remaining),
      [POINTS_HEADERS.reset]: String(result.resetAt),
      [POINTS_HEADERS.cost]: String(result.charged ? cost : 0),
    };
    if (!result.charged) {
      throw new OpenApiError(
        OPEN_API_CODES.pointsExhausted,
        429,
        `points exhausted: this call costs ${cost}, ${result.remaining} of ${result.limit} left until ${new Date(result.resetAt).toISOString()}`,
        headers,
      );
    }
    return headers;
  }
}

/** Guard of the open API routes: a valid signature or an envelope error (before the body is even validated). */
@Injectable()
export class SignedRequestGuard implements CanActivate {
  constructor(private readonly access: OpenApiAccess) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<SignedHttpRequest>();
    request.apiConsumer = await this.access.authenticate(request);
    return true;
  }
}
