import { UpstreamName } from './upstreams';

/** A misbehaviour the simulator can put in front of an upstream's normal answer. */
export type SimulatedFault =
  /** answer normally, after `ms` */
  | { kind: 'latency'; ms: number }
  /** 429 with a `Retry-After` header (seconds by default, or an HTTP date) */
  | { kind: '429'; retryAfterSeconds?: number; retryAfterFormat?: 'seconds' | 'http-date' }
  /** a 5xx with a JSON error body (500 unless `status` says otherwise) */
  | { kind: '500'; status?: number }
  /** an HTML page (a CDN challenge or error page) instead of JSON, with 200 unless `status` says otherwise */
  | { kind: 'html'; status?: number }
  /** 200 with the real body cut in half */
  | { kind: 'truncated' }
  /** accept the request and never answer */
  | { kind: 'timeout' }
  /** 200 with random bytes labelled as JSON */
  | { kind: 'garbage' };

export interface FaultOptions {
  /** apply to this many requests, then disappear (default: until cleared) */
  times?: number;
  /** only requests to exactly this path (relative to the base URL, e.g. `/global`); default: every path */
  path?: string;
  /**
   * only requests whose query has every one of these params with exactly this value (e.g. `{ market: 'bitmex' }`
   * fails one market of a multi-market upstream); default: any query
   */
  query?: Readonly<Record<string, string>>;
}

interface FaultRule {
  upstream: UpstreamName;
  path?: string;
  query?: Readonly<Record<string, string>>;
  fault: SimulatedFault;
  remaining: number;
}

/** Read access to a request's query: `URLSearchParams` or a plain record. */
type QueryLookup = { get(name: string): string | null } | undefined;

/**
 * Per-upstream (optionally per-path and per-query) fault rules for tests. The most specific matching rule wins:
 * path-specific over upstream-wide, then the rule naming more query params.
 */
export class FaultInjector {
  private rules: FaultRule[] = [];

  /** Installs `fault`, replacing any rule for the same upstream and path. */
  set(upstream: UpstreamName, fault: SimulatedFault, options: FaultOptions = {}): void {
    if (options.times !== undefined && !(options.times > 0)) throw new Error(`times must be positive, got ${options.times}`);
    const queryKey = canonicalQuery(options.query);
    this.rules = this.rules.filter((rule) => !(rule.upstream === upstream && rule.path === options.path && canonicalQuery(rule.query) === queryKey));
    const query = options.query && Object.keys(options.query).length > 0 ? { ...options.query } : undefined;
    this.rules.push({ upstream, path: options.path, query, fault, remaining: options.times ?? Infinity });
  }

  /** Removes every rule, or only those of `upstream`. */
  clear(upstream?: UpstreamName): void {
    this.rules = upstream ? this.rules.filter((rule) => rule.upstream !== upstream) : [];
  }

  /** The fault for this request, if any; consumes one of its `times`. */
  take(upstream: UpstreamName, path: string, query?: QueryLookup): SimulatedFault | undefined {
    let rule: FaultRule | undefined;
    let best = -1;
    for (const candidate of this.rules) {
      if (candidate.upstream !== upstream || (candidate.path !== undefined && candidate.path !== path)) continue;
      if (candidate.query && !Object.entries(candidate.query).every(([name, value]) => query?.get(name) === value)) continue;
      const specificity = (candidate.path === undefined ? 0 : 1_000) + Object.keys(candidate.query ?? {}).length;
      if (specificity > best) {
        rule = candidate;
        best = specificity;
      }
    }
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    return rule.fault;
  }

  active(): ReadonlyArray<{ upstream: UpstreamName; path?: string; query?: Readonly<Record<string, string>>; fault: SimulatedFault; remaining: number }> {
    return this.rules.map((rule) => ({ ...rule }));
  }
}

function canonicalQuery(query: Readonly<Record<string, string>> | undefined): string {
  return JSON.stringify(Object.entries(query ?? {}).sort(([a], [b]) => a.localeCompare(b)));
}
