import { Inject, Injectable, Logger, OnApplicationShutdown, type Provider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import Redis from 'ioredis';

/**
 * The cluster's Redis connection (`REDIS_URL`), or undefined on the embedded default: leases, pub/sub and streams
 * share it. Blocking reads and subscriptions need a connection of their own: `redis.duplicate()`.
 */
export const CLUSTER_REDIS = Symbol('CLUSTER_REDIS');

const logger = new Logger('ClusterRedis');

export const clusterRedisProvider: Provider = {
  provide: CLUSTER_REDIS,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig): Redis | undefined => {
    if (!config.redis.url) return undefined;
    // every key of this deployment carries REDIS_KEY_PREFIX (ioredis adds it to key arguments, Lua KEYS included);
    // pub/sub channels are not keys: name them with `clusterChannel`
    const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, keyPrefix: config.redis.keyPrefix });
    // an outage fails the calls that need Redis; it must not crash the process (readiness reports it)
    let lastWarned = 0;
    redis.on('error', (error: Error) => {
      if (Date.now() - lastWarned < 30_000) return;
      lastWarned = Date.now();
      logger.warn(`redis: ${error.message}`);
    });
    return redis;
  },
};

/** Closes the connection on shutdown. */
@Injectable()
export class ClusterRedisCloser implements OnApplicationShutdown {
  constructor(@Inject(CLUSTER_REDIS) private readonly redis: Redis | undefined) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}

/** A pub/sub channel of this deployment: channels are not keys, so ioredis's `keyPrefix` does not reach them. */
export function clusterChannel(config: Pick<AppConfig, 'redis'>, name: string): string {
  return `${config.redis.keyPrefix}${name}`;
}
