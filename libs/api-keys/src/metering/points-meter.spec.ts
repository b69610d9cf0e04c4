import Redis from 'ioredis';
import { availableStoreKinds, countingStatements, openMigratedTestDatabase } from '@app/storage/testing/test-stores';
import { RedisReplayGuard, SqlReplayGuard, type SignatureUse } from '../signing/replay-guard';
import { PointsCounter, PointsMeter } from './points-meter';
import { periodBounds } from './points-period';
import { RedisPointsCounter } from './redis-points-counter';
import { SqlPointsCounter } from './sql-points-counter';

describe('periodBounds (UTC)', () => {
  const at = Date.UTC(2026, 2, 18, 13, 45); // Wednesday 2026-03-18 13:45 UTC
  it.each([
    ['hour', Date.UTC(2026, 2, 18, 13), Date.UTC(2026, 2, 18, 14)],
    ['day', Date.UTC(2026, 2, 18), Date.UTC(2026, 2, 19)],
    ['week', Date.UTC(2026, 2, 16), Date.UTC(2026, 2, 23)],
    ['month', Date.UTC(2026, 2, 1), Date.UTC(2026, 3, 1)],
  ] as const)('%s', (period, start, end) => {
    expect(periodBounds(period, at)).toEqual({ start, end });
  });
});

type CounterFactory = { name: string; open(): Promise<{ counter: PointsCounter; close(): Promise<void> }> };

const factories: CounterFactory[] = availableStoreKinds().map((kind) => ({
  name: `sql (${kind})`,
  open: async () => {
    const { db, dispose } = await openMigratedTestDatabase(kind);
    return { counter: new SqlPointsCounter(db), close: dispose };
  },
}));
if (process.env.REDIS_URL) {
  factories.push({
    name: 'redis',
    open: async () => {
      const redis = new Redis(process.env.REDIS_URL!);
      const prefix = `test:points:${process.pid}:${Date.now()}:`;
      return {
        counter: new RedisPointsCounter(redis, prefix, new RedisReplayGuard(redis, `${prefix}replay:`)),
        close: async () => {
          const keys = await redis.keys(`${prefix}*`);
          if (keys.length) await redis.del(...keys);
          redis.disconnect();
        },
      };
    },
  });
}

describe.each(factories)('PointsMeter on $name', (factory) => {
  let opened: Awaited<ReturnType<CounterFactory['open']>>;
  let now = Date.UTC(2026, 2, 18, 13, 45);
  let meter: PointsMeter;
  beforeAll(async () => {
    opened = await factory.open();
    meter = new PointsMeter(opened.counter, 'day', () => now);
  });
  afterAll(() => opened.close());

  it('charges until the quota, refuses without charging, and resets next period', async () => {
    const consumer = { id: 1, points: 10 };
    expect(await meter.charge(consumer, 3)).toEqual({ charged: true, cost: 3, limit: 10, remaining: 7, resetAt: Date.UTC(2026, 2, 19) });
    await meter.charge(consumer, 3);
    await meter.charge(consumer, 3);
    expect(await meter.charge(consumer, 3)).toMatchObject({ charged: false, remaining: 1 });
    expect(await meter.charge(consumer, 3)).toMatchObject({ charged: false, remaining: 1 });
    expect(await meter.charge(consumer, 1)).toMatchObject({ charged: true, remaining: 0 });
    expect(await meter.charge(consumer, 0)).toMatchObject({ charged: true, remaining: 0 });
    expect(await meter.charge({ id: 1, points: 2 }, 3)).toMatchObject({ charged: false });
    now += 86_400_000;
    expect(await meter.balance(consumer)).toEqual({ limit: 10, remaining: 10, resetAt: Date.UTC(2026, 2, 20) });
  });

  it('spends a signature with its charge: charged with it again, a replay that costs nothing', async () => {
    const consumer = { id: 3, points: 10 };
    const use: SignatureUse = { consumerId: 3, signature: 'ab12', expiresAtMs: now + 60_000, now };
    expect(await meter.charge(consumer, 3, use)).toMatchObject({ charged: true, remaining: 7 });
    expect(await meter.charge(consumer, 3, { ...use, signature: 'AB12' })).toEqual({ charged: false, replayed: true, cost: 3, limit: 10, remaining: 7, resetAt: expect.any(Number) });
    // a charge that never reaches the counter cannot spend a signature: the caller spends it with the replay guard
    await expect(meter.charge(consumer, 0, { ...use, signature: 'cd34' })).rejects.toThrow('cannot spend a signature');
    await expect(meter.charge(consumer, 11, { ...use, signature: 'cd34' })).rejects.toThrow('cannot spend a signature');
  });

  it('loses and doubles no charge under 200 concurrent calls', async () => {
    const consumer = { id: 2, points: 300 };
    const results = await Promise.all(Array.from({ length: 200 }, () => meter.charge(consumer, 3)));
    const charged = results.filter((result) => result.charged).length;
    expect(charged).toBe(100); // 300 / 3
    expect((await meter.balance(consumer)).remaining).toBe(0);
  });
});

describe.each(availableStoreKinds())('SqlPointsCounter group commit (%s)', (kind) => {
  let opened: Awaited<ReturnType<typeof openMigratedTestDatabase>>;
  const now = Date.UTC(2026, 2, 18, 13, 45);
  beforeAll(async () => {
    opened = await openMigratedTestDatabase(kind);
  });
  afterAll(() => opened.dispose());

  it('charges concurrent calls of several consumers in one statement, each answered as if charged alone in order', async () => {
    const { db, statements } = countingStatements(opened.db);
    const meter = new PointsMeter(new SqlPointsCounter(db), 'day', () => now);
    const alice = { id: 11, points: 1_000 };
    const bob = { id: 12, points: 1_000 };
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => meter.charge(i % 2 ? bob : alice, 3)));
    expect(statements()).toBe(1);
    expect(results.filter((_, i) => i % 2 === 0).map((result) => result.remaining)).toEqual(Array.from({ length: 20 }, (_, i) => 1_000 - 3 * (i + 1)));
    expect(results.every((result) => result.charged)).toBe(true);
    expect((await meter.balance(bob)).remaining).toBe(940);
  });

  it('at the end of a quota, exactly the calls that fit pass, in arrival order; other consumers in the batch are not held back', async () => {
    const meter = new PointsMeter(new SqlPointsCounter(opened.db), 'day', () => now);
    const nearlySpent = { id: 13, points: 10 };
    const plenty = { id: 14, points: 100 };
    await meter.charge(nearlySpent, 1); // 9 left: three calls of 3 fit, the fourth and fifth do not
    const results = await Promise.all([...Array.from({ length: 5 }, () => meter.charge(nearlySpent, 3)), meter.charge(plenty, 3)]);
    expect(results.map((result) => [result.charged, result.remaining])).toEqual([
      [true, 6],
      [true, 3],
      [true, 0],
      [false, 0],
      [false, 0],
      [true, 97],
    ]);
  });

  it('spends the signatures of concurrent signed calls in the statement of their charges; a spent or repeated one is a replay and costs nothing', async () => {
    const guard = new SqlReplayGuard(opened.db, Number.MAX_SAFE_INTEGER);
    const { db, statements } = countingStatements(opened.db);
    const counter = new SqlPointsCounter(db, guard);
    const consumer = { id: 21, points: 1_000 };
    const use = (signature: string): SignatureUse => ({ consumerId: 21, signature, expiresAtMs: now + 60_000, now });
    expect(await guard.firstUse(21, 'aa01', now + 60_000, now)).toBe(true);
    const signatures = [...Array.from({ length: 30 }, (_, i) => `5${i}`), 'AA01', '55'];
    const results = await Promise.all(signatures.map((signature) => counter.tryAdd(consumer, now, now + 1, 3, 1_000, use(signature))));
    expect(statements()).toBe(1);
    expect(results.slice(0, 30)).toEqual(Array.from({ length: 30 }, (_, i) => ({ added: true, used: 3 * (i + 1) })));
    // spent by the guard before; the same as call 6 of this batch
    expect(results.slice(30)).toEqual([
      { added: false, replayed: true },
      { added: false, replayed: true },
    ]);
    expect(await counter.used(consumer, now)).toBe(90);
    expect(await guard.firstUse(21, '57', now + 60_000, now)).toBe(false);
  });

  it('spends a signature even when its charge is refused; exactly the calls that fit pass', async () => {
    const guard = new SqlReplayGuard(opened.db, Number.MAX_SAFE_INTEGER);
    const counter = new SqlPointsCounter(opened.db, guard);
    const consumer = { id: 22, points: 9 };
    const use = (signature: string): SignatureUse => ({ consumerId: 22, signature, expiresAtMs: now + 60_000, now });
    const results = await Promise.all(['e1', 'e2', 'e3', 'e4', 'e5'].map((signature) => counter.tryAdd(consumer, now, now + 1, 3, 9, use(signature))));
    expect(results).toEqual([
      { added: true, used: 3 },
      { added: true, used: 6 },
      { added: true, used: 9 },
      { added: false, used: 9 },
      { added: false, used: 9 },
    ]);
    for (const signature of ['e1', 'e4', 'e5']) expect(await guard.firstUse(22, signature, now + 60_000, now)).toBe(false);
  });
});

(process.env.REDIS_URL ? describe : describe.skip)('RedisPointsCounter group commit', () => {
  const now = Date.UTC(2026, 2, 18, 13, 45);
  const prefix = `test:points-batch:${process.pid}:${Date.now()}:`;
  let redis: Redis;
  let guard: RedisReplayGuard;
  let counter: RedisPointsCounter;
  let scriptCalls: jest.SpyInstance;
  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL!);
    guard = new RedisReplayGuard(redis, `${prefix}replay:`);
    counter = new RedisPointsCounter(redis, prefix, guard);
    scriptCalls = jest.spyOn(redis as unknown as Record<string, () => Promise<unknown>>, 'gatewayPointsTryAddAll');
  });
  beforeEach(() => scriptCalls.mockClear());
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('charges concurrent calls of several consumers in one script call, each answered as if charged alone in order', async () => {
    const meter = new PointsMeter(counter, 'day', () => now);
    const alice = { id: 11, points: 1_000 };
    const bob = { id: 12, points: 1_000 };
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => meter.charge(i % 2 ? bob : alice, 3)));
    expect(scriptCalls).toHaveBeenCalledTimes(1);
    expect(results.filter((_, i) => i % 2 === 0).map((result) => result.remaining)).toEqual(Array.from({ length: 20 }, (_, i) => 1_000 - 3 * (i + 1)));
    expect((await meter.balance(bob)).remaining).toBe(940);
  });

  it('spends the signatures of a batch with its charges: a spent or repeated one is a replay, a refused charge still spends it', async () => {
    const consumer = { id: 21, points: 9 };
    const use = (signature: string): SignatureUse => ({ consumerId: 21, signature, expiresAtMs: now + 60_000, now });
    expect(await guard.firstUse(21, 'aa01', now + 60_000, now)).toBe(true);
    const signatures = ['e1', 'AA01', 'e2', 'E1', 'e3', 'e4', 'e5'];
    const results = await Promise.all(signatures.map((signature) => counter.tryAdd(consumer, now, now + 1, 3, 9, use(signature))));
    expect(scriptCalls).toHaveBeenCalledTimes(1);
    expect(results).toEqual([
      { added: true, used: 3 },
      { added: false, replayed: true },
      { added: true, used: 6 },
      { added: false, replayed: true },
      { added: true, used: 9 },
      { added: false, used: 9 },
      { added: false, used: 9 },
    ]);
    for (const signature of ['e1', 'e4', 'e5']) expect(await guard.firstUse(21, signature, now + 60_000, now)).toBe(false);
  });
});
