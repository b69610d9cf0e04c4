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
}

interface FaultRule {
  upstream: UpstreamName;
  path?: string;
  fault: SimulatedFault;
  remaining: number;
}

/** Per-upstream (optionally per-path) fault rules for tests. A path-specific rule wins over an upstream-wide one. */
export class FaultInjector {
  private rules: FaultRule[] = [];

  /** Installs `fault`, replacing any rule for the same upstream and path. */
  set(upstream: UpstreamName, fault: SimulatedFault, options: FaultOptions = {}): void {
    if (options.times !== undefined && !(options.times > 0)) throw new Error(`times must be positive, got ${options.times}`);
    this.rules = this.rules.filter((rule) => !(rule.upstream === upstream && rule.path === options.path));
    this.rules.push({ upstream, path: options.path, fault, remaining: options.times ?? Infinity });
  }

  /** Removes every rule, or only those of `upstream`. */
  clear(upstream?: UpstreamName): void {
    this.rules = upstream ? this.rules.filter((rule) => rule.upstream !== upstream) : [];
  }

  /** The fault for this request, if any; consumes one of its `times`. */
  take(upstream: UpstreamName, path: string): SimulatedFault | undefined {
    const rule =
      this.rules.find((r) => r.upstream === upstream && r.path === path) ??
      this.rules.find((r) => r.upstream === upstream && r.path === undefined);
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    return rule.fault;
  }

  active(): ReadonlyArray<{ upstream: UpstreamName; path?: string; fault: SimulatedFault; remaining: number }> {
    return this.rules.map((rule) => ({ ...rule }));
  }
}
