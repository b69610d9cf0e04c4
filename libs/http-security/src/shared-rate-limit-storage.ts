import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type Redis from 'ioredis';

type ThrottlerRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * The REST rate-limit counters in Redis (`@nest-lab/throttler-storage-redis`, one Lua script per hit), so a client's
 * budget is counted across every replica. While Redis cannot be reached, each replica counts in its own memory
 * instead (limits then hold per replica, not cluster-wide): a rate limiter must not turn a Redis outage into an API
 * outage.
 */
export class SharedRateLimitStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimits');
  private readonly shared: ThrottlerStorageRedisService;
  private readonly local = new ThrottlerStorageService();
  private lastWarned = 0;

  constructor(
    private readonly redis: Redis,
    /** `REDIS_KEY_PREFIX` + `ratelimit:` */
    private readonly keyPrefix: string,
  ) {
    this.shared = new ThrottlerStorageRedisService(redis);
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerRecord> {
    if (this.redis.status === 'ready') {
      try {
        return await this.shared.increment(`${this.keyPrefix}${key}`, ttl, limit, blockDuration, throttlerName);
      } catch (error) {
        this.warn(`counting in Redis failed (${(error as Error).message}): this replica counts alone meanwhile`);
      }
    } else {
      this.warn('Redis is not reachable: this replica counts REST rate limits alone meanwhile');
    }
    return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  onApplicationShutdown(): void {
    this.local.onApplicationShutdown();
  }

  private warn(message: string): void {
    if (Date.now() - this.lastWarned < 30_000) return;
    this.lastWarned = Date.now();
    this.logger.warn(message);
  }
}
