import { Inject, Injectable, Logger, OnApplicationShutdown, Provider } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import Redis from 'ioredis';

/** The feature's Redis connection (`REDIS_URL`), or undefined: replay guard, points counters and ingest lease. */
export const OPEN_API_REDIS = Symbol('OPEN_API_REDIS');

const logger = new Logger('CapitalFlowRedis');

export const openApiRedisProvider: Provider = {
  provide: OPEN_API_REDIS,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig): Redis | undefined => {
    if (!config.redis.url) return undefined;
    const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 2 });
    // an outage fails the calls that need Redis (503 envelope); it must not crash the process. One line per 30 s:
    // ioredis reports every failed reconnection attempt
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
export class OpenApiRedisCloser implements OnApplicationShutdown {
  constructor(@Inject(OPEN_API_REDIS) private readonly redis: Redis | undefined) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }
}
