import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type Redis from 'ioredis';
import type { IncomingMessage } from 'node:http';
import { API_KEY_STORE, ApiConsumer, ApiKeyStore } from '@app/api-keys';
import { PointsMeter, RedisPointsCounter, SqlPointsCounter } from '@app/api-keys/metering';
import { RedisReplayGuard, replayedError, SIGNATURE_HEADERS, SignatureUse, SignedRequest, SignedRequestError, SignedRequestVerifier, SqlReplayGuard } from '@app/api-keys/signing';
import { APP_CONFIG, AppConfig } from '@app/config';
import { DATABASE, Database } from '@app/storage';
import { OPEN_API_CODES, OpenApiError, SIGNATURE_FAILURE_CODES } from './open-api-envelope';
import { OPEN_API_REDIS } from './shared-redis';

/** Points per call (seed: getCoinTradeSnapshot costs 3; the token list is the free prerequisite). */
export const POINTS_COST = { snapshot: 3, tokenList: 0 } as const;

export const POINTS_HEADERS = { limit: 'x-points-limit', remaining: 'x-points-remaining', reset: 'x-points-reset', cost: 'x-points-cost' } as const;

/** what a signature covers: an HTTP call (its raw body too), or a WebSocket upgrade's headers and path */
type RawRequest = Pick<IncomingMessage, 'headers' | 'method' | 'url'> & { rawBody?: Buffer };
export type SignedHttpRequest = Request & {
  rawBody?: Buffer;
  apiConsumer?: ApiConsumer;
  /** checked by the guard, not spent yet: spent with the call's charge, or when the call is refused (`spendRefused`) */
  unspentSignature?: SignatureUse;
};

/** a refused signature as the open API answers it: 401 and the reason's own code */
const signatureRefusal = (error: SignedRequestError): OpenApiError => new OpenApiError(SIGNATURE_FAILURE_CODES[error.reason], 401, error.message);

const header = (request: RawRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() || undefined;
};

/** Runs a signature check or spend; a refusal becomes the open API's 401 envelope error. */
async function refusingSignatures<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof SignedRequestError ? signatureRefusal(error) : error;
  }
}

/** The signed parts of an HTTP request or a WebSocket upgrade (body: the raw bytes; none for an upgrade). */
function signedParts(request: RawRequest): SignedRequest {
  return {
    apiKey: header(request, SIGNATURE_HEADERS.apiKey),
    timestamp: header(request, SIGNATURE_HEADERS.timestamp),
    sign: header(request, SIGNATURE_HEADERS.sign),
    method: request.method ?? 'GET',
    path: (request as Partial<Request>).originalUrl ?? request.url ?? '/',
    body: request.rawBody ?? '',
  };
}

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
    // the counter spends the signature of a charged call in the same write as the charge (SQL: one statement)
    if (redis) {
      const replays = new RedisReplayGuard(redis, `${prefix}api:replay:`);
      this.verifier = new SignedRequestVerifier(keys, replays);
      this.meter = new PointsMeter(new RedisPointsCounter(redis, `${prefix}api:points:`, replays), config.auth.pointsPeriod ?? 'month');
    } else {
      const replays = new SqlReplayGuard(db);
      this.verifier = new SignedRequestVerifier(keys, replays);
      this.meter = new PointsMeter(new SqlPointsCounter(db, replays), config.auth.pointsPeriod ?? 'month');
    }
  }

  /** Verifies a WebSocket upgrade, its signature spent now (no body). */
  authenticate(request: RawRequest): Promise<ApiConsumer> {
    return refusingSignatures(() => this.verifier.verify(signedParts(request)));
  }

  /**
   * Verifies an HTTP call without spending its signature: `chargeCall` spends it with the charge (one write, not
   * two), `spendRefused` when the call is refused before. No call is answered before its signature is spent.
   */
  async admit(request: SignedHttpRequest): Promise<void> {
    const { consumer, signature } = await refusingSignatures(() => this.verifier.check(signedParts(request)));
    request.apiConsumer = consumer;
    request.unspentSignature = signature;
  }

  /** Charges an admitted call `cost` points and spends its signature; the balance headers (see `charge`). */
  async chargeCall(request: SignedHttpRequest, cost: number): Promise<Record<string, string>> {
    const consumer = request.apiConsumer!;
    const signature = request.unspentSignature;
    request.unspentSignature = undefined;
    if (signature && !this.meter.spendsWithCharge(consumer, cost)) {
      await this.spend(signature);
      return this.charge(consumer, cost);
    }
    return this.charge(consumer, cost, signature);
  }

  /**
   * A call refused after `admit` (bad body, unknown token, no data): its signature is spent all the same, so the
   * same request cannot be replayed later. A replay's refusal replaces the call's own (as when the guard spent it).
   */
  async spendRefused(request: SignedHttpRequest): Promise<OpenApiError | undefined> {
    const signature = request.unspentSignature;
    if (!signature) return undefined;
    request.unspentSignature = undefined;
    try {
      await this.spend(signature);
      return undefined;
    } catch (error) {
      if (error instanceof OpenApiError) return error;
      // the store is down: the call's own refusal stands (it returned nothing and charged nothing)
      return undefined;
    }
  }

  private spend(signature: SignatureUse): Promise<void> {
    return refusingSignatures(() => this.verifier.spend(signature));
  }

  /**
   * Charges `cost` points (and spends `signature` with them); the balance headers either way; a refusal (nothing
   * charged) is a 429 envelope, a replay a 401.
   */
  async charge(consumer: ApiConsumer, cost: number, signature?: SignatureUse): Promise<Record<string, string>> {
    const result = await this.meter.charge(consumer, cost, signature);
    if (result.replayed) throw signatureRefusal(replayedError());
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

/**
 * Guard of the open API routes: a valid signature or an envelope error (before the body is even validated). The
 * signature is spent later, with the charge or the refusal (`OpenApiAccess.admit`).
 */
@Injectable()
export class SignedRequestGuard implements CanActivate {
  constructor(private readonly access: OpenApiAccess) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.access.admit(context.switchToHttp().getRequest<SignedHttpRequest>());
    return true;
  }
}
