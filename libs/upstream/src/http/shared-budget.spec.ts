import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { RedisRequestBudget } from './shared-budget';

const quietLogger = { debug: () => undefined, log: () => undefined, warn: () => undefined };

(process.env.REDIS_URL ? describe : describe.skip)('RedisRequestBudget (REDIS_URL)', () => {
  let redis: Redis;
  const keyPrefix = `test-budget-${randomUUID()}:`;

  beforeAll(async () => {
    redis = new Redis(process.env.REDIS_URL!);
    await redis.ping(); // ready: a connection still connecting is treated as down (the local fallback)
  });
  afterAll(async () => {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('shares one upstream budget between replicas: the calls of all of them together stop at the limit', async () => {
    // three replicas, each with its own limiter on the same Redis key
    const replicas = [0, 1, 2].map(() => new RedisRequestBudget({ redis, upstream: 'coingecko', callsPerMinute: 5, keyPrefix, logger: quietLogger }));
    const taken = await Promise.all(replicas.flatMap((budget) => [0, 1, 2].map(() => budget.take(0))));
    expect(taken.filter(Boolean)).toHaveLength(5);
    // other upstreams have budgets of their own
    const other = new RedisRequestBudget({ redis, upstream: 'defillama', callsPerMinute: 5, keyPrefix, logger: quietLogger });
    expect(await other.take(0)).toBe(true);
  });

  it('falls back to a local budget of the same size when Redis is unreachable, without waiting', async () => {
    const down = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    down.on('error', () => undefined);
    const budget = new RedisRequestBudget({ redis: down, upstream: 'coingecko', callsPerMinute: 2, keyPrefix, logger: quietLogger });
    const startedAt = Date.now();
    expect(await Promise.all([budget.take(0), budget.take(0), budget.take(0)])).toEqual([true, true, false]);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    down.disconnect();
  });
});
