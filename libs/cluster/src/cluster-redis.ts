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
    // no ioredis `keyPrefix`: every user names its keys with REDIS_KEY_PREFIX itself (Lua scripts build some key
    // names, which a connection-level prefix would not reach), and channels with `clusterChannel`
    const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 2, enableOfflineQueue: true });
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

/** A pub/sub channel of this deployment (`REDIS_KEY_PREFIX` + name). */
export function clusterChannel(config: Pick<AppConfig, 'redis'>, name: string): string {
  return `${config.redis.keyPrefix}${name}`;
}
