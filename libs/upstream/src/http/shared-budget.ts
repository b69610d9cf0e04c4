import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { NestUpstreamLogger, type UpstreamLogger } from '../logging/upstream-logger';
import { delay } from '@app/scheduling/deadlines';

/** An upstream's request budget taken across the whole cluster (on top of each replica's own token bucket). */
export interface SharedRequestBudget {
  /**
   * Takes one call from the cluster-wide budget: true once taken (after waiting at most `maxWaitMs` for the
   * next window), false when it could not be had in time (the call is refused, it costs nothing).
   */
  take(maxWaitMs: number, signal?: AbortSignal): Promise<boolean>;
}

export interface RedisRequestBudgetOptions {
  redis: Redis;
  upstream: string;
  callsPerMinute: number;
  /** goes in front of the counter's key (`REDIS_KEY_PREFIX`) */
  keyPrefix?: string;
  logger?: UpstreamLogger;
  random?: () => number;
}

/** Waiters woken together at a window's start are spread by up to this much. */
const WAKE_SPREAD_MS = 50;

/**
 * `callsPerMinute` per one-minute window for the whole cluster, counted in Redis (rate-limiter-flexible's
 * `RateLimiterRedis`, one atomic INCR+PEXPIRE script per call). While Redis is unreachable the replica falls back to
 * an in-memory limiter of the same size (the library's insurance limiter): the cluster may then exceed the limit
 * by the number of replicas cut off, but no call waits on a dead Redis.
 */
export class RedisRequestBudget implements SharedRequestBudget {
  private readonly limiter: RateLimiterRedis;
  private readonly upstream: string;
  private readonly logger: UpstreamLogger;
  private readonly random: () => number;

  constructor(options: RedisRequestBudgetOptions) {
    this.upstream = options.upstream;
    this.logger = options.logger ?? new NestUpstreamLogger(RedisRequestBudget.name);
    this.random = options.random ?? Math.random;
    this.limiter = new RateLimiterRedis({
      storeClient: options.redis,
      keyPrefix: `${options.keyPrefix ?? ''}upstream-budget`,
      points: options.callsPerMinute,
      duration: 60,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ keyPrefix: 'upstream-budget', points: options.callsPerMinute, duration: 60 }),
    });
  }

  async take(maxWaitMs: number, signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      try {
        await this.limiter.consume(this.upstream);
        return true;
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) {
          // neither Redis nor the insurance limiter answered: the local token bucket alone governs this call
          this.logger.warn(`${this.upstream}: shared request budget unavailable (${(rejection as Error)?.message ?? rejection}); using the local budget only`);
          return true;
        }
        const waitMs = rejection.msBeforeNext + Math.floor(this.random() * WAKE_SPREAD_MS);
        if (Date.now() + waitMs > deadline) return false;
        await delay(waitMs, { signal });
        // the caller gave up (the old sleep rejected here): the caller turns the rejection into its own error
        if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      }
    }
  }
}
