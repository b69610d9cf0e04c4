import { DynamicModule, ExecutionContext, Injectable, Module, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { SkipThrottle, ThrottlerGuard, ThrottlerModule, ThrottlerStorageService, type ThrottlerLimitDetail, type ThrottlerStorage } from '@nestjs/throttler';
import { CLUSTER_REDIS } from '@app/cluster';
import { APP_CONFIG, type AppConfig } from '@app/config';
import type Redis from 'ioredis';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SharedRateLimitStorage } from './shared-rate-limit-storage';

/** Where request counts live: in Redis, shared by the replicas, when `REDIS_URL` is set; else in this process. */
export const HTTP_RATE_LIMIT_STORAGE = Symbol('HTTP_RATE_LIMIT_STORAGE');

const rateLimitStorage: Provider = {
  provide: HTTP_RATE_LIMIT_STORAGE,
  inject: [APP_CONFIG, CLUSTER_REDIS],
  useFactory: (config: AppConfig, redis: Redis | undefined): ThrottlerStorage =>
    redis ? new SharedRateLimitStorage(redis, `${config.redis.keyPrefix}ratelimit:`) : new ThrottlerStorageService(),
};

export interface HttpRateLimits {
  /** requests per minute from one client IP, every REST route together; 0 = off */
  perIpPerMinute: number;
  /** requests per minute with one API key (`X-API-KEY` header or `api_key` query parameter), whatever the IP; 0 = off */
  perKeyPerMinute: number;
}

const MINUTE_MS = 60_000;
const MAX_KEY_LENGTH = 1_024;
export const RATE_LIMIT_HEADERS = { limit: 'RateLimit-Limit', remaining: 'RateLimit-Remaining', reset: 'RateLimit-Reset', retryAfter: 'Retry-After' } as const;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The API key a request presents (`X-API-KEY`, else `?api_key=`), bounded; never used as is, only hashed. */
export function presentedApiKey(request: Pick<IncomingMessage, 'headers' | 'url'>): string | undefined {
  const header = request.headers['x-api-key'];
  const fromHeader = (Array.isArray(header) ? header[0] : header)?.trim();
  if (fromHeader) return fromHeader.slice(0, MAX_KEY_LENGTH);
  const url = (request as { originalUrl?: string }).originalUrl ?? request.url ?? '';
  const query = url.indexOf('?');
  if (query < 0) return undefined;
  return new URLSearchParams(url.slice(query + 1)).get('api_key')?.trim().slice(0, MAX_KEY_LENGTH) || undefined;
}

type Tracked = IncomingMessage & { ip?: string };

/**
 * @nestjs/throttler with two process-wide counters per request (not per route): the client IP and, when a key is
 * presented, the API key, so a key's budget holds across IPs and an IP's across keys. Responses carry the IETF
 * draft headers `RateLimit-Limit`/`-Remaining`/`-Reset` of the tighter counter; a refusal is 429 with `Retry-After`.
 */
@Injectable()
export class HttpRateLimitGuard extends ThrottlerGuard {
  protected override headerPrefix = 'RateLimit';
  private readonly shown = new WeakMap<object, { limit: number; remaining: number; tightest?: number }>();

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.getType() !== 'http'; // WebSocket upgrades have their own caps
  }

  // Named throttlers suffix their headers (`RateLimit-Limit-ip`) and set Limit, Remaining, Reset in that order;
  // clients get the unsuffixed three of the counter with the fewest requests left.
  protected override setResponseHeader(response: object, name: string, value: number): void {
    if (/^Retry-After-(?:ip|key)$/.test(name)) return; // set unsuffixed in throwThrottlingException
    const field = /^RateLimit-(Limit|Remaining|Reset)-(?:ip|key)$/.exec(name)?.[1];
    if (!field) return super.setResponseHeader(response, name, value);
    const state = this.shown.get(response) ?? { limit: 0, remaining: 0 };
    this.shown.set(response, state);
    if (field === 'Limit') state.limit = value;
    else if (field === 'Remaining') state.remaining = value;
    else if (state.tightest === undefined || state.remaining < state.tightest) {
      state.tightest = state.remaining;
      super.setResponseHeader(response, RATE_LIMIT_HEADERS.limit, state.limit);
      super.setResponseHeader(response, RATE_LIMIT_HEADERS.remaining, state.remaining);
      super.setResponseHeader(response, RATE_LIMIT_HEADERS.reset, value);
    }
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const response = context.switchToHttp().getResponse<object>();
    super.setResponseHeader(response, RATE_LIMIT_HEADERS.retryAfter, detail.timeToBlockExpire);
    super.setResponseHeader(response, RATE_LIMIT_HEADERS.limit, detail.limit);
    super.setResponseHeader(response, RATE_LIMIT_HEADERS.remaining, 0);
    super.setResponseHeader(response, RATE_LIMIT_HEADERS.reset, detail.timeToBlockExpire);
    return super.throwThrottlingException(context, detail);
  }
}

/** REST rate limits (`HTTP_RATE_LIMIT_PER_IP_PER_MINUTE`, `HTTP_RATE_LIMIT_PER_KEY_PER_MINUTE`) as a global guard. */
@Module({})
export class HttpRateLimitModule {
  static forRoot(limits: HttpRateLimits, storage: Provider = rateLimitStorage): DynamicModule {
    const storageModule: DynamicModule = { module: HttpRateLimitStorageModule, providers: [storage], exports: [HTTP_RATE_LIMIT_STORAGE] };
    return {
      module: HttpRateLimitModule,
      imports: [
        ThrottlerModule.forRootAsync({
          imports: [storageModule],
          inject: [HTTP_RATE_LIMIT_STORAGE],
          useFactory: (store: ThrottlerStorage) => ({
            storage: store,
            // one counter per client for the whole API, not one per route
            generateKey: (_context, tracker, throttler) => `${throttler}:${tracker}`,
            errorMessage: (_context, detail) =>
              `rate limit exceeded: at most ${detail.limit} requests per minute per ${detail.key.startsWith('key:') ? 'API key' : 'IP address'}; retry in ${detail.timeToBlockExpire} s`,
            throttlers: [
              {
                name: 'ip',
                ttl: MINUTE_MS,
                limit: limits.perIpPerMinute,
                skipIf: () => limits.perIpPerMinute === 0,
                getTracker: (request) => sha256(String((request as Tracked).ip ?? (request as Tracked).socket?.remoteAddress ?? '')),
              },
              {
                name: 'key',
                ttl: MINUTE_MS,
                limit: limits.perKeyPerMinute,
                skipIf: (context) => limits.perKeyPerMinute === 0 || !presentedApiKey(context.switchToHttp().getRequest<IncomingMessage>()),
                getTracker: (request) => sha256(presentedApiKey(request as IncomingMessage) ?? ''),
              },
            ],
          }),
        }),
      ],
      providers: [{ provide: APP_GUARD, useClass: HttpRateLimitGuard }],
    };
  }
}

@Module({})
class HttpRateLimitStorageModule {}

/** Exempts a controller or route from both REST rate limits (health probes, metrics scrapes). */
export const SkipRateLimits = () => SkipThrottle({ ip: true, key: true });
