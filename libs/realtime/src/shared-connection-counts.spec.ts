import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { SharedConnectionCounts } from './shared-connection-counts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

(process.env.REDIS_URL ? describe : describe.skip)('SharedConnectionCounts (REDIS_URL)', () => {
  const keyPrefix = `test:ws-counts:${randomBytes(4).toString('hex')}:`;
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL!);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('sums an IP over live replicas; a replica that stops beating stops counting after its ttl; a closed one at once', async () => {
    const options = { keyPrefix, heartbeatMs: 100, ttlMs: 300 };
    const a = new SharedConnectionCounts(redis, { ...options, replicaId: 'a' });
    const b = new SharedConnectionCounts(redis, { ...options, replicaId: 'b' });
    const countsA = new Map([['10.0.0.1', 2]]);
    const countsB = new Map<string, number>();
    a.start(() => countsA);
    b.start(() => countsB);
    await sleep(50);
    countsB.set('10.0.0.1', 1);
    b.change('10.0.0.1', 1);
    await sleep(20);
    expect(await b.count('10.0.0.1')).toBe(3);
    expect(await a.count('10.0.0.2')).toBe(0);

    // a dies (no close, no more heartbeats): its two connections stop counting once its hash expires
    (a as unknown as { job: { stop(): void } }).job.stop();
    expect(await b.count('10.0.0.1')).toBe(3);
    await sleep(450);
    expect(await b.count('10.0.0.1')).toBe(1);

    // a heartbeat repairs a change lost while Redis was unreachable
    countsB.set('10.0.0.1', 4);
    await sleep(150);
    expect(await b.count('10.0.0.1')).toBe(4);
    await b.close();
    expect(await a.count('10.0.0.1')).toBe(0);
    await a.close();
  });
});
