import KeyvRedis, { createKeyv } from '@keyv/redis';
import { Keyv } from 'keyv';
import { waitAtMost } from '@app/scheduling/deadlines';
import { NestUpstreamLogger, UpstreamLogger } from '../logging/upstream-logger';

/** Redis keys of the upstream cache look like `upstream::coingecko:global`. */
export const UPSTREAM_CACHE_NAMESPACE = 'upstream';

export interface UpstreamCacheStoreOptions {
  namespace?: string;
  logger?: UpstreamLogger;
  /** at most one "store error" warning per this interval (a down Redis fails every operation) */
  warnEveryMs?: number;
}

/**
 * The Keyv store behind the upstream cache: Redis when `redisUrl` is set (shared by replicas), else in-process.
 * Redis errors never throw into callers (Keyv turns them into misses); they are logged, throttled.
 */
export function createUpstreamCacheStore(redisUrl?: string, options: UpstreamCacheStoreOptions = {}): Keyv {
  if (!redisUrl) return new Keyv();
  const logger = options.logger ?? new NestUpstreamLogger('UpstreamCacheStore');
  const warnEveryMs = options.warnEveryMs ?? 30_000;
  const keyv = createKeyv(redisUrl, {
    namespace: options.namespace ?? UPSTREAM_CACHE_NAMESPACE,
    throwOnConnectError: false,
    connectionTimeout: 2_000,
  });
  forceDisconnectWhenStuck(keyv);
  let lastWarnedAt = -Infinity;
  keyv.on('error', (error: unknown) => {
    const now = Date.now();
    if (now - lastWarnedAt < warnEveryMs) return;
    lastWarnedAt = now;
    // the URL is not logged: it may carry a password
    logger.warn(`upstream cache store (Redis) error: ${(error as Error)?.message ?? String(error)}`);
  });
  return keyv;
}

const GRACEFUL_DISCONNECT_MS = 1_000;

/**
 * A Redis client that is still reconnecting never finishes a graceful close, which would hang app shutdown
 * (CacheModule disconnects its stores on destroy). Give it a moment, then drop the connection.
 */
function forceDisconnectWhenStuck(keyv: Keyv): void {
  const redis = keyv.store as KeyvRedis<unknown>;
  const graceful = keyv.disconnect.bind(keyv);
  keyv.disconnect = async () => {
    const settled = graceful().then(
      () => true,
      () => false,
    );
    const closed = (await waitAtMost(settled, GRACEFUL_DISCONNECT_MS)) && (await settled);
    if (!closed) await redis.disconnect(true).catch(() => undefined);
  };
}
