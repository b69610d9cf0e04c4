import { UpstreamPolicy, UpstreamPolicyOptions, type UpstreamCircuitState } from './upstream-policy';

/**
 * Every upstream's policy, by upstream name: the HTTP clients' and those of clients that do their own HTTP (ccxt
 * venues, EVM RPC). One policy per upstream, so every path to an upstream shares its breaker; `/health/ready` reads
 * the states from here.
 */
export class UpstreamPolicies {
  private readonly byUpstream = new Map<string, UpstreamPolicy>();

  constructor(private readonly defaults: Omit<UpstreamPolicyOptions, 'upstream'> = {}) {}

  /** The policy of `upstream`, built with `options` the first time it is asked for. */
  for(upstream: string, options: Omit<UpstreamPolicyOptions, 'upstream'> = {}): UpstreamPolicy {
    let policy = this.byUpstream.get(upstream);
    if (!policy) {
      policy = new UpstreamPolicy({ ...this.defaults, ...options, upstream });
      this.byUpstream.set(upstream, policy);
    }
    return policy;
  }

  /** Registers a policy built elsewhere (an HTTP client's). */
  add(policy: UpstreamPolicy): void {
    this.byUpstream.set(policy.upstream, policy);
  }

  /** upstream name → circuit state, sorted by name */
  states(): Array<{ upstream: string; circuit: UpstreamCircuitState }> {
    return [...this.byUpstream.values()].map((policy) => ({ upstream: policy.upstream, circuit: policy.circuitState })).sort((a, b) => a.upstream.localeCompare(b.upstream));
  }
}
