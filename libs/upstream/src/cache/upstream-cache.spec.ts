import { randomUUID } from 'node:crypto';
import { Cache, createCache } from 'cache-manager';
import { CachePolicy, UpstreamCacheOutcome } from '../contracts';
import { UpstreamLogger } from '../logging/upstream-logger';
import { createUpstreamCacheStore } from './cache-store';
import { NotYetAvailableError, UpstreamCache } from './upstream-cache';

const policy: CachePolicy = { freshMs: 1_000, staleMs: 5_000, fallbackMs: 60_000 };
const quietLogger: UpstreamLogger = { debug: () => undefined, log: () => undefined, warn: () => undefined };

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const backends: Array<[string, () => Cache]> = [['in-memory Keyv', () => createCache({ stores: [createUpstreamCacheStore()] })]];
if (process.env.REDIS_URL) {
  const redisUrl = process.env.REDIS_URL;
  backends.push(['Redis (REDIS_URL)', () => createCache({ stores: [createUpstreamCacheStore(redisUrl, { namespace: 'upstream-cache-spec' })] })]);
}

describe.each(backends)('UpstreamCache over %s', (_name, createStore) => {
  let store: Cache;
  let cache: UpstreamCache;
  let now: number;
  let outcomes: UpstreamCacheOutcome[];
  let keyPrefix: string;
  let key: string;

  beforeAll(() => {
    store = createStore();
    // unique per run: parallel runs against one Redis never see each other's keys
    keyPrefix = `test-${randomUUID()}:`;
  });
  afterAll(async () => {
    await store.disconnect();
  });
  beforeEach(() => {
    now = 1_700_000_000_000;
    outcomes = [];
    key = `coingecko:global:${randomUUID()}`;
    cache = new UpstreamCache(store, { keyPrefix, now: () => now, observer: (outcome) => outcomes.push(outcome), logger: quietLogger });
  });
  afterEach(async () => {
    await cache.evict(key);
  });

  describe('readingShared (a replica following a feed another replica refreshes)', () => {
    it('never calls the loader: a missing value is not available yet; stored values follow the freshness rules', async () => {
      const loader = jest.fn(async () => 'never');
      await expect(UpstreamCache.readingShared(() => cache.get(key, loader, policy))).rejects.toBeInstanceOf(NotYetAvailableError);

      // another replica (another UpstreamCache on the same store) loads it
      const holder = new UpstreamCache(store, { keyPrefix, now: () => now, logger: quietLogger, shareFailures: true });
      await holder.get(key, async () => 'v1', policy);
      expect(await UpstreamCache.readingShared(() => cache.get(key, loader, policy))).toEqual({ value: 'v1', fetchedAt: now, stale: false, freshUntil: now + policy.freshMs });
      now += policy.freshMs + 1; // past fresh, within the stale window: served, not stale (the upstream did not fail)
      expect(await UpstreamCache.readingShared(() => cache.get(key, loader, policy))).toMatchObject({ value: 'v1', stale: false });
      now += policy.staleMs; // expired: the last good value, stale
      expect(await UpstreamCache.readingShared(() => cache.get(key, loader, policy))).toMatchObject({ value: 'v1', stale: true, staleReason: 'not refreshed by the cluster in time' });
      expect(loader).not.toHaveBeenCalled();
      expect(outcomes).toEqual(['error', 'hit', 'stale', 'fallback']);
    });

    it("marks a value stale with the holder's failure when the holder's load failed (failures shared through the store)", async () => {
      const follower = new UpstreamCache(store, { keyPrefix, now: () => now, logger: quietLogger, shareFailures: true });
      const holder = new UpstreamCache(store, { keyPrefix, now: () => now, logger: quietLogger, shareFailures: true });
      await holder.get(key, async () => 'v1', policy);
      now += policy.freshMs + 1;
      const failed = await UpstreamCache.awaitingFreshValues(() => holder.get(key, async () => Promise.reject(new Error('coingecko: HTTP 500')), policy));
      expect(failed).toMatchObject({ value: 'v1', stale: true, staleReason: 'coingecko: HTTP 500' });
      expect(await UpstreamCache.readingShared(() => follower.get(key, jest.fn(), policy))).toMatchObject({ value: 'v1', stale: true, staleReason: 'coingecko: HTTP 500' });
      // a later successful load makes the recorded failure obsolete
      now += 1;
      await UpstreamCache.awaitingFreshValues(() => holder.get(key, async () => 'v2', policy));
      expect(await UpstreamCache.readingShared(() => follower.get(key, jest.fn(), policy))).toMatchObject({ value: 'v2', stale: false });
    });
  });

  it('loads on a miss, then serves the fresh value without calling the loader', async () => {
    const loader = jest.fn(async () => ({ btc: 59.4 }));
    const first = await cache.get(key, loader, policy);
    expect(first).toEqual({ value: { btc: 59.4 }, fetchedAt: now, stale: false, freshUntil: now + policy.freshMs });
    now += policy.freshMs;
    const second = await cache.get(key, loader, policy);
    expect(second).toEqual({ value: { btc: 59.4 }, fetchedAt: now - policy.freshMs, stale: false, freshUntil: now });
    expect(loader).toHaveBeenCalledTimes(1);
    expect(outcomes).toEqual(['miss', 'hit']);
  });

  it('serves the previous value at once past fresh and refreshes it in the background, once; a healthy upstream is not stale', async () => {
    await cache.get(key, async () => 'v1', policy);
    now += policy.freshMs + 1;
    const refresh = deferred<string>();
    const loader = jest.fn(() => refresh.promise);

    const previous = await cache.get(key, loader, policy);
    expect(previous).toEqual({ value: 'v1', fetchedAt: now - policy.freshMs - 1, stale: false, freshUntil: now - 1 });
    await cache.get(key, loader, policy);
    await cache.get(key, loader, policy);
    expect(loader).toHaveBeenCalledTimes(1);

    refresh.resolve('v2');
    await eventually(async () => (await cache.get(key, loader, policy)).value === 'v2');
    expect(await cache.get(key, loader, policy)).toEqual({ value: 'v2', fetchedAt: now, stale: false, freshUntil: now + policy.freshMs });
    expect(loader).toHaveBeenCalledTimes(1);
    expect(outcomes.slice(0, 4)).toEqual(['miss', 'stale', 'stale', 'stale']);
  });

  it('makes the caller wait for the loader once the value is past fresh + stale', async () => {
    await cache.get(key, async () => 'old', policy);
    now += policy.freshMs + policy.staleMs + 1;
    const result = await cache.get(key, async () => 'new', policy);
    expect(result).toEqual({ value: 'new', fetchedAt: now, stale: false, freshUntil: now + policy.freshMs });
    expect(outcomes).toEqual(['miss', 'miss']);
  });

  it('single-flight: 100 concurrent gets make one loader call', async () => {
    const load = deferred<number>();
    const loader = jest.fn(() => load.promise);
    const gets = Array.from({ length: 100 }, () => cache.get(key, loader, policy));
    await new Promise((resolve) => setTimeout(resolve, 20));
    load.resolve(42);
    const results = await Promise.all(gets);
    expect(loader).toHaveBeenCalledTimes(1);
    expect(new Set(results.map((result) => result.value))).toEqual(new Set([42]));
    expect(results.every((result) => !result.stale)).toBe(true);
  });

  it('single-flight also holds for a loader that resolves at once', async () => {
    const loader = jest.fn(async () => 'instant');
    await Promise.all(Array.from({ length: 100 }, () => cache.get(key, loader, policy)));
    expect(loader).toHaveBeenCalledTimes(1);
  });

  it('keeps serving the previous value when the background refresh fails, marked stale with the failure', async () => {
    await cache.get(key, async () => 'good', policy);
    now += policy.freshMs + 1;
    const failing = jest.fn(async (): Promise<string> => {
      throw new Error('coingecko: HTTP 503');
    });
    const result = await cache.get(key, failing, policy);
    expect(result).toMatchObject({ value: 'good', stale: false }); // nothing has failed yet
    await eventually(async () => outcomes.includes('refresh_error'));
    expect(await cache.get(key, failing, policy)).toMatchObject({ value: 'good', stale: true, staleReason: 'coingecko: HTTP 503' });
    // the upstream answers again: the next value is fresh and the failure forgotten
    await eventually(async () => (await cache.get(key, async () => 'back', policy)).value === 'back');
    expect(await cache.get(key, failing, policy)).toMatchObject({ value: 'back', stale: false });
    expect((await cache.get(key, failing, policy)).staleReason).toBeUndefined();
  });

  it('inside awaitingFreshValues, waits for the loader past fresh instead of serving the previous value', async () => {
    await cache.get(key, async () => 'v1', policy);
    now += policy.freshMs + 1;
    const result = await UpstreamCache.awaitingFreshValues(() => cache.get(key, async () => 'v2', policy));
    expect(result).toEqual({ value: 'v2', fetchedAt: now, stale: false, freshUntil: now + policy.freshMs });
    expect(outcomes).toEqual(['miss', 'miss']);
  });

  it('inside awaitingFreshValues, serves the previous value marked stale with the reason only when the loader fails', async () => {
    await cache.get(key, async () => 'v1', policy);
    now += policy.freshMs + 1;
    const result = await UpstreamCache.awaitingFreshValues(() => cache.get(key, async () => Promise.reject(new Error('deribit: HTTP 500')), policy));
    expect(result).toEqual({ value: 'v1', fetchedAt: now - policy.freshMs - 1, stale: true, staleReason: 'deribit: HTTP 500', freshUntil: now - 1 });
    expect(outcomes).toEqual(['miss', 'fallback']);
  });

  it('serves the last good value (stale) when the loader fails after expiry', async () => {
    await cache.get(key, async () => 'last good', policy);
    now += policy.freshMs + policy.staleMs + 1;
    const result = await cache.get(key, async () => Promise.reject(new Error('down')), policy);
    expect(result).toEqual({ value: 'last good', fetchedAt: now - policy.freshMs - policy.staleMs - 1, stale: true, staleReason: 'down', freshUntil: now - policy.staleMs - 1 });
    expect(outcomes).toEqual(['miss', 'fallback']);
  });

  it('throws when the loader fails and nothing is cached, and does not cache the failure', async () => {
    await expect(cache.get(key, async () => Promise.reject(new Error('down')), policy)).rejects.toThrow('down');
    expect(outcomes).toEqual(['error']);
    expect(await cache.get(key, async () => 'recovered', policy)).toMatchObject({ value: 'recovered', stale: false });
  });

  it('shares the thrown error with every concurrent caller', async () => {
    const loader = jest.fn(async () => Promise.reject(new Error('down')));
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => cache.get(key, loader, policy)));
    expect(results.every((result) => result.status === 'rejected')).toBe(true);
    expect(loader).toHaveBeenCalledTimes(1);
  });

  it('reports a healthy store', async () => {
    expect(await cache.isHealthy()).toBe(true);
  });

  it('reports a healthy store to every one of several checks at once (a load balancer probe and an operator)', async () => {
    expect(await Promise.all(Array.from({ length: 5 }, () => cache.isHealthy()))).toEqual([true, true, true, true, true]);
  });
});

describe('UpstreamCache with a broken store', () => {
  const hanging = new Promise<never>(() => undefined);
  const brokenStore = {
    get: () => hanging,
    set: () => Promise.reject(new Error('READONLY')),
    del: () => hanging,
  } as unknown as Cache;


  it('treats a store that does not answer as a miss and still returns the loaded value', async () => {
    const outcomes: UpstreamCacheOutcome[] = [];
    const cache = new UpstreamCache(brokenStore, { storeTimeoutMs: 30, observer: (outcome) => outcomes.push(outcome), logger: quietLogger });
    const result = await cache.get('k', async () => 'loaded', policy);
    expect(result).toMatchObject({ value: 'loaded', stale: false });
    expect(outcomes).toEqual(['store_error', 'store_error', 'miss']);
    expect(await cache.isHealthy()).toBe(false);
  });

  it('is unhealthy when Redis is unreachable, without hanging', async () => {
    const store = createCache({ stores: [createUpstreamCacheStore('redis://127.0.0.1:1', { logger: quietLogger })] });
    const cache = new UpstreamCache(store, { storeTimeoutMs: 100, logger: quietLogger });
    try {
      expect(await cache.isHealthy()).toBe(false);
      expect(await cache.get('k', async () => 'loaded', policy)).toMatchObject({ value: 'loaded' });
    } finally {
      await store.disconnect().catch(() => undefined);
    }
  });
});
