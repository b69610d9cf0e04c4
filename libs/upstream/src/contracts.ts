/**
 * Contracts of the upstream layer. Feature code depends on these, never on HTTP details.
 * (Written first so the realtime hub and the features can be built against them in parallel.)
 */

/** Result of a cached upstream read: the value and how old it is. */
export interface Cached<T> {
  value: T;
  /** epoch ms when the value was fetched from the upstream */
  fetchedAt: number;
  /**
   * true when the upstream failed: the value is past its fresh TTL because the last attempt to load it failed.
   * A value served past its fresh TTL while a refresh of a healthy upstream runs is not stale.
   */
  stale: boolean;
  /** epoch ms when the value stops being fresh (`fetchedAt` + the policy's fresh TTL): when a read loads it again */
  freshUntil: number;
  /** with `stale`: the upstream failure that kept the value from being refreshed */
  staleReason?: string;
}

export interface CachePolicy {
  /** how long a value is served as fresh */
  freshMs: number;
  /** how long past fresh a value may still be served (stale-while-revalidate) */
  staleMs: number;
  /**
   * how long past fresh+stale the last good value is kept only as a fallback: an expired value makes the caller
   * wait for the loader, and is served (stale) only if the loader fails. Default `DEFAULT_FALLBACK_MS` (24 h).
   */
  fallbackMs?: number;
}

/**
 * Raised for any failed upstream call after retries: names the upstream and what went wrong, never a secret.
 * `circuit_open`: the upstream's circuit breaker is open after repeated failures, the call was not made.
 */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    readonly upstream: string,
    message: string,
    readonly status?: number,
    readonly kind: 'http' | 'timeout' | 'network' | 'parse' | 'validation' | 'budget' | 'circuit_open' = 'http',
  ) {
    super(`${upstream}: ${message}`);
  }
}

/** Per-upstream request budget (token bucket) as the realtime hub needs to know it for `adaptive_interval`. */
export interface UpstreamBudget {
  readonly upstream: string;
  /** sustained calls per minute allowed */
  readonly callsPerMinute: number;
}

/**
 * What happened to one real HTTP attempt, for metrics: the HTTP status, or why there was none. `ok` is a success of a
 * client that does its own HTTP (ccxt, viem: no status seen); `circuit_open` a call refused by the open breaker.
 */
export type UpstreamCallOutcome = number | 'ok' | 'timeout' | 'error' | 'budget' | 'circuit_open';

/** Called once per HTTP attempt (retries included) and once per call refused by the budget. */
export type UpstreamCallObserver = (upstream: string, outcome: UpstreamCallOutcome, durationMs: number) => void;

/**
 * Per `UpstreamCache.get`: `hit` (fresh), `stale` (served stale, refresh started), `miss` (waited for the loader),
 * `fallback` (loader failed, last good value served), `error` (loader failed, nothing to serve: it threw).
 * Background events: `refresh_error` (a stale-while-revalidate refresh failed), `store_error` (the store failed or was slow).
 */
export type UpstreamCacheOutcome = 'hit' | 'stale' | 'miss' | 'fallback' | 'error' | 'refresh_error' | 'store_error';

export type UpstreamCacheObserver = (outcome: UpstreamCacheOutcome, key: string) => void;

/** Metrics hooks. The app provides them under `UPSTREAM_OBSERVERS` (from a global module); both are optional. */
export interface UpstreamObservers {
  onCall?: UpstreamCallObserver;
  /** each upstream's circuit state, on every change (and `closed` when its client is built) */
  onCircuitState?: (upstream: string, state: 'closed' | 'half_open' | 'open') => void;
  onCache?: UpstreamCacheObserver;
}

export const UPSTREAM_OBSERVERS = Symbol('UPSTREAM_OBSERVERS');

/** Every upstream client's budget (`UpstreamBudget[]`), e.g. for the realtime hub's `adaptive_interval`. */
export const UPSTREAM_BUDGETS = Symbol('UPSTREAM_BUDGETS');
