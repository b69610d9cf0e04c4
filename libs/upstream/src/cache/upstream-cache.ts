import type { Cache } from 'cache-manager';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { withDeadline } from '@app/scheduling/deadlines';
import { Cached, CachePolicy, UpstreamCacheObserver, UpstreamCacheOutcome } from '../contracts';
import { NestUpstreamLogger, UpstreamLogger } from '../logging/upstream-logger';

/** How long an expired value is kept as a last-resort fallback unless the policy says otherwise. */
export const DEFAULT_FALLBACK_MS = 24 * 60 * 60_000;

export type UpstreamCacheStoreKind = 'memory' | 'redis';

export interface UpstreamCacheOptions {
  /** what backs the store, for health output (default 'memory') */
  storeKind?: UpstreamCacheStoreKind;
  /** prepended to every key (tests use a unique one per run) */
  keyPrefix?: string;
  /** record load failures in the store so every replica reading the value knows its upstream failed (Redis) */
  shareFailures?: boolean;
  /** bound on each store round trip: a slow or unreachable Redis counts as a miss instead of stalling readers (default 1 s) */
  storeTimeoutMs?: number;
  observer?: UpstreamCacheObserver;
  logger?: UpstreamLogger;
  now?: () => number;
}

/** What is stored: the value and when it was fetched, so freshness is judged by the reader, on any replica. */
interface StoredEntry<T> {
  value: T;
  fetchedAt: number;
}

/** Set while a caller runs inside `UpstreamCache.awaitingFreshValues`. */
const awaitingFresh = new AsyncLocalStorage<true>();
/** Set while a caller runs inside `UpstreamCache.readingShared`. */
const readingShared = new AsyncLocalStorage<true>();

/** Why a value's last load failed, shared through the store so every replica marks it stale the same way. */
interface StoredFailure {
  reason: string;
  at: number;
}

/** Raised inside `UpstreamCache.readingShared` for a key no replica has stored yet (its loader is never called there). */
export class NotYetAvailableError extends Error {
  override name = 'NotYetAvailableError';
  constructor(key: string) {
    super(`${key} is not available yet (not loaded by the cluster)`);
  }
}

interface ReadResult<T> {
  cached: Cached<T>;
  outcome: UpstreamCacheOutcome;
}

/**
 * Stale-while-revalidate cache for upstream reads, over `@nestjs/cache-manager` (in-memory Keyv, or Redis).
 *
 * - fresh: served from the store; past fresh (within the stale window): served at once while one background
 *   refresh runs; expired or missing: the caller waits for the loader.
 * - Readers that would rather wait for the refreshed value (the realtime hub's refresh loops, which push what they
 *   read) run inside `UpstreamCache.awaitingFreshValues`: past fresh they wait for the loader too, and get the old
 *   value only when the loader fails.
 * - `stale: true` means the upstream failed: the value is served because the last attempt to load it failed
 *   (`staleReason` says how). A value served while a healthy upstream is being re-read is not stale.
 * - Readers that must never call the upstream (a replica re-rendering a feed another replica refreshed) run inside
 *   `UpstreamCache.readingShared`: loaders are never called; what is stored is served by the same freshness rules
 *   (expired: served stale), a missing value throws `NotYetAvailableError`. With `shareFailures` (the Redis store),
 *   a failed load is recorded in the store too, so a value kept by a failing upstream is stale on every replica.
 * - Single-flight: concurrent `get`s of one key share one store read and at most one loader call.
 *   This is per process: with Redis, replicas share the stored values but not in-flight loads, so N replicas may
 *   load the same key once each when it expires together.
 * - A failing loader never hides the last good value: it is served with `stale: true` (kept `fallbackMs` past
 *   expiry); with nothing stored, the loader's error is thrown.
 *
 * Values are shared by reference between callers (and, in memory, with the store): treat them as immutable.
 */
export class UpstreamCache {
  readonly storeKind: UpstreamCacheStoreKind;
  private readonly keyPrefix: string;
  private readonly storeTimeoutMs: number;
  private readonly shareFailures: boolean;
  private readonly observer?: UpstreamCacheObserver;
  private readonly logger: UpstreamLogger;
  private readonly now: () => number;
  private readonly reads = new Map<string, Promise<ReadResult<unknown>>>();
  private readonly loads = new Map<string, Promise<StoredEntry<unknown>>>();
  /** key → why its last load failed; cleared by the next successful load (keys are ours, never client input) */
  private readonly failures = new Map<string, string>();

  /** Runs `work` so that its reads past the fresh TTL wait for the upstream instead of taking the previous value. */
  static awaitingFreshValues<R>(work: () => Promise<R>): Promise<R> {
    return awaitingFresh.run(true, work);
  }

  /**
   * Runs `work` so that its reads never call a loader: they are served from the (shared) store only, a missing
   * value throws `NotYetAvailableError`. For replicas that follow a feed another replica refreshes.
   */
  static readingShared<R>(work: () => Promise<R>): Promise<R> {
    return readingShared.run(true, work);
  }

  constructor(
    private readonly store: Cache,
    options: UpstreamCacheOptions = {},
  ) {
    this.storeKind = options.storeKind ?? 'memory';
    this.keyPrefix = options.keyPrefix ?? '';
    this.storeTimeoutMs = options.storeTimeoutMs ?? 1_000;
    this.shareFailures = options.shareFailures ?? false;
    this.observer = options.observer;
    this.logger = options.logger ?? new NestUpstreamLogger(UpstreamCache.name);
    this.now = options.now ?? Date.now;
  }

  async get<T>(key: string, loader: () => Promise<T>, policy: CachePolicy): Promise<Cached<T>> {
    const sharedOnly = readingShared.getStore() === true;
    const awaitFresh = !sharedOnly && awaitingFresh.getStore() === true;
    // readers that wait for fresh values, readers that take the previous one and readers that never load share
    // reads only among themselves
    const readKey = sharedOnly ? `shared\u0000${key}` : awaitFresh ? `await\u0000${key}` : key;
    let read = this.reads.get(readKey) as Promise<ReadResult<T>> | undefined;
    if (!read) {
      read = (sharedOnly ? this.readShared<T>(key, policy) : this.read(key, loader, policy, awaitFresh)).finally(() => this.reads.delete(readKey));
      this.reads.set(readKey, read);
    }
    try {
      const { cached, outcome } = await read;
      this.observe(outcome, key);
      return cached;
    } catch (error) {
      this.observe('error', key);
      throw error;
    }
  }

  /** Forgets a key (the next `get` waits for its loader). */
  async evict(key: string): Promise<void> {
    await this.withTimeout(this.store.del(this.keyPrefix + key));
  }

  /**
   * True when a value written to the store can be read back within the store timeout. Each check writes its own key:
   * with one key, two checks at once (the load balancer's probe and anyone else's) read each other's value and both
   * report the store broken.
   */
  async isHealthy(): Promise<boolean> {
    const probe = randomUUID();
    const probeKey = `${this.keyPrefix}__health__:${probe}`;
    try {
      await this.withTimeout(this.store.set(probeKey, probe, 10_000));
      const healthy = (await this.withTimeout(this.store.get<string>(probeKey))) === probe;
      await this.withTimeout(this.store.del(probeKey));
      return healthy;
    } catch {
      return false;
    }
  }

  private async read<T>(key: string, loader: () => Promise<T>, policy: CachePolicy, awaitFresh: boolean): Promise<ReadResult<T>> {
    const entry = await this.readStore<T>(key);
    if (entry) {
      const ageMs = this.now() - entry.fetchedAt;
      if (ageMs <= policy.freshMs) return { cached: this.cached(entry, policy), outcome: 'hit' };
      if (ageMs <= policy.freshMs + policy.staleMs && !awaitFresh) {
        this.refreshInBackground(key, loader, policy);
        // stale only if the upstream failed last time; a healthy upstream's previous value is just not re-read yet
        return { cached: this.cached(entry, policy, this.failures.get(key)), outcome: 'stale' };
      }
    }
    try {
      const loaded = await this.load(key, loader, policy);
      return { cached: this.cached(loaded, policy), outcome: 'miss' };
    } catch (error) {
      if (!entry) throw error;
      const reason = (error as Error).message;
      this.logger.warn(`loading ${key} failed, serving the value from ${new Date(entry.fetchedAt).toISOString()}: ${reason}`);
      return { cached: this.cached(entry, policy, reason), outcome: 'fallback' };
    }
  }

  /** The store only, never the loader: the same freshness rules, a failure recorded by any replica marks it stale. */
  private async readShared<T>(key: string, policy: CachePolicy): Promise<ReadResult<T>> {
    const [entry, failure] = await Promise.all([this.readStore<T>(key), this.shareFailures ? this.readFailure(key) : undefined]);
    if (!entry) throw new NotYetAvailableError(key);
    const reason = failure && failure.at >= entry.fetchedAt ? failure.reason : this.failures.get(key);
    const ageMs = this.now() - entry.fetchedAt;
    if (ageMs <= policy.freshMs) return { cached: this.cached(entry, policy), outcome: 'hit' };
    if (ageMs <= policy.freshMs + policy.staleMs) return { cached: this.cached(entry, policy, reason), outcome: 'stale' };
    // expired: the replica refreshing it has not managed to; served as the last good value, as a failed load would be
    return { cached: this.cached(entry, policy, reason ?? 'not refreshed by the cluster in time'), outcome: 'fallback' };
  }

  private cached<T>(entry: StoredEntry<T>, policy: CachePolicy, staleReason?: string): Cached<T> {
    const cached: Cached<T> = { value: entry.value, fetchedAt: entry.fetchedAt, stale: staleReason !== undefined, freshUntil: entry.fetchedAt + policy.freshMs };
    if (staleReason !== undefined) cached.staleReason = staleReason;
    return cached;
  }

  /** One loader call per key at a time, whether a reader waits for it or it refreshes in the background. */
  private load<T>(key: string, loader: () => Promise<T>, policy: CachePolicy): Promise<StoredEntry<T>> {
    const pending = this.loads.get(key) as Promise<StoredEntry<T>> | undefined;
    if (pending) return pending;
    const run = (async () => {
      let value: T;
      try {
        value = await loader();
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        this.failures.set(key, reason);
        if (this.shareFailures) await this.writeFailure(key, { reason, at: this.now() }, policy);
        throw error;
      }
      this.failures.delete(key);
      const entry: StoredEntry<T> = { value, fetchedAt: this.now() };
      await this.writeStore(key, entry, policy);
      // a failure recorded before this value is ignored by readers (`at` < `fetchedAt`): no delete needed
      return entry;
    })().finally(() => this.loads.delete(key));
    this.loads.set(key, run);
    return run;
  }

  private refreshInBackground<T>(key: string, loader: () => Promise<T>, policy: CachePolicy): void {
    if (this.loads.has(key)) return;
    this.load(key, loader, policy).catch((error: Error) => {
      this.observe('refresh_error', key);
      this.logger.warn(`background refresh of ${key} failed, still serving the stale value: ${error.message}`);
    });
  }

  private async readStore<T>(key: string): Promise<StoredEntry<T> | undefined> {
    try {
      const raw = await this.withTimeout(this.store.get<StoredEntry<T>>(this.keyPrefix + key));
      return isStoredEntry<T>(raw) ? raw : undefined;
    } catch (error) {
      this.storeFailed('reading', key, error);
      return undefined;
    }
  }

  private async readFailure(key: string): Promise<StoredFailure | undefined> {
    try {
      const raw = await this.withTimeout(this.store.get<StoredFailure>(this.failureKey(key)));
      return raw && typeof raw === 'object' && typeof raw.reason === 'string' && typeof raw.at === 'number' ? raw : undefined;
    } catch (error) {
      this.storeFailed('reading the failure of', key, error);
      return undefined;
    }
  }

  private async writeFailure(key: string, failure: StoredFailure, policy: CachePolicy): Promise<void> {
    try {
      await this.withTimeout(this.store.set(this.failureKey(key), failure, policy.freshMs + policy.staleMs + (policy.fallbackMs ?? DEFAULT_FALLBACK_MS)));
    } catch (error) {
      this.storeFailed('writing the failure of', key, error);
    }
  }

  private failureKey(key: string): string {
    return `${this.keyPrefix}${key}\u0000failure`;
  }

  private async writeStore<T>(key: string, entry: StoredEntry<T>, policy: CachePolicy): Promise<void> {
    const ttlMs = policy.freshMs + policy.staleMs + (policy.fallbackMs ?? DEFAULT_FALLBACK_MS);
    try {
      await this.withTimeout(this.store.set(this.keyPrefix + key, entry, ttlMs));
    } catch (error) {
      // the caller still gets the value; only sharing and the fallback are lost
      this.storeFailed('writing', key, error);
    }
  }

  private storeFailed(action: string, key: string, error: unknown): void {
    this.observe('store_error', key);
    this.logger.warn(`cache store failed ${action} ${key}: ${(error as Error).message}`);
  }

  private withTimeout<T>(operation: Promise<T>): Promise<T> {
    return withDeadline(operation, this.storeTimeoutMs, () => new Error(`cache store did not answer within ${this.storeTimeoutMs} ms`));
  }

  private observe(outcome: UpstreamCacheOutcome, key: string): void {
    try {
      this.observer?.(outcome, key);
    } catch (error) {
      this.logger.warn(`cache observer failed: ${(error as Error).message}`);
    }
  }
}

function isStoredEntry<T>(raw: unknown): raw is StoredEntry<T> {
  return typeof raw === 'object' && raw !== null && 'value' in raw && typeof (raw as { fetchedAt?: unknown }).fetchedAt === 'number';
}
