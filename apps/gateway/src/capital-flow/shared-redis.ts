import type { Provider } from '@nestjs/common';
import { CLUSTER_REDIS } from '@app/cluster';

/**
 * The feature's Redis (`REDIS_URL`), or undefined: the replay guard and the points counters. It is the cluster's
 * shared connection (libs/cluster opens and closes it); the ingestion has no lease of its own any more (leadership).
 */
export const OPEN_API_REDIS = Symbol('OPEN_API_REDIS');

export const openApiRedisProvider: Provider = { provide: OPEN_API_REDIS, useExisting: CLUSTER_REDIS };
