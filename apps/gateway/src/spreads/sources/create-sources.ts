import type { Logger } from '@nestjs/common';
import { SIM_DEX_NETWORKS, SIMULATED_WATCH_VENUES } from '@app/simulator';
import { isUpstreamOutage, UpstreamError, type GeckoTerminalApi, type UpstreamPolicies } from '@app/upstream';
import type { SpreadsConfig } from '../spreads.config';
import type { JobScheduler } from '@app/scheduling';
import type { SpreadsMetrics } from '../spreads.metrics';
import { createCcxtVenueSources } from './ccxt/ccxt-venue-source';
import { pointAtSimulatedVenues, relayVenueUrls } from './ccxt/simulated-venues';
import type { QuoteSource, QuoteSourceReports } from './quote-source';
import { SourceFailureLog } from './source-failure-log';
import { GeckoTerminalPoolsSource } from './dex/geckoterminal-pools';

/** GeckoTerminal refreshes pool data about once a minute and allows ~30 calls/min. */
const DEX_POLL_MS = 20_000;

/** ccxt's errors that mean the venue (or the way to it) is down: they count towards its circuit breaker. */
const CCXT_OUTAGE_ERRORS = new Set(['NetworkError', 'RequestTimeout', 'ExchangeNotAvailable', 'OnMaintenance', 'DDoSProtection', 'RateLimitExceeded']);
const isVenueOutage = (error: unknown) =>
  error instanceof UpstreamError ? error.kind === 'timeout' || error.kind === 'network' : CCXT_OUTAGE_ERRORS.has((error as Error)?.constructor?.name ?? '');

/** What the sources call their upstreams through (from `UpstreamModule`). */
export interface QuoteSourceUpstreams {
  geckoTerminal: GeckoTerminalApi;
  policies: UpstreamPolicies;
}

/** Where and how often the DEX legs are read (GeckoTerminal's top pools). */
interface DexSetup {
  networks: readonly string[];
  pollMs: number;
}

/**
 * The quote sources of `SPREADS_SOURCE`: the venues through ccxt (live), the same ccxt clients pointed at the
 * upstream simulator's venues (`simulated`, the sandbox default), or none. Sandbox is a mode of the live path: same
 * sources, same ccxt parsing, same upstream policies; only the URLs, the markets (set from the simulator's catalogue)
 * and the pace differ.
 */
export function createQuoteSources(spreads: SpreadsConfig, metrics: SpreadsMetrics, logger: Logger, upstreams: QuoteSourceUpstreams, jobs?: JobScheduler): QuoteSource[] {
  switch (spreads.source) {
    case 'off':
      return [];
    case 'simulated': {
      const venuesUrl = spreads.simulatedVenuesUrl;
      if (!venuesUrl) throw new Error('SPREADS_SOURCE=simulated needs the upstream simulator (MARKET_DATA=sandbox, or SANDBOX_UPSTREAM_URL)');
      // the simulated market moves once per tick: every leg is read once a tick (the simulator has no rate limit), the
      // venues the simulator streams are streamed, and the DEX legs are the simulator's pools
      const simulated: SpreadsConfig = { ...spreads, pollMs: spreads.simTickMs, watchVenues: spreads.watchVenues.filter((venue) => SIMULATED_WATCH_VENUES.includes(venue)) };
      const dex = { networks: SIM_DEX_NETWORKS, pollMs: spreads.simTickMs };
      return ccxtSources(simulated, dex, metrics, logger, upstreams, jobs, (exchange, exchangeId) => pointAtSimulatedVenues(exchange, exchangeId, venuesUrl));
    }
    case 'ccxt': {
      const relay = spreads.venuesBaseUrl;
      return ccxtSources(spreads, { networks: spreads.dexNetworks, pollMs: DEX_POLL_MS }, metrics, logger, upstreams, jobs, relay ? (exchange) => relayVenueUrls(exchange, relay) : undefined);
    }
  }
}

function ccxtSources(
  spreads: SpreadsConfig,
  dex: DexSetup,
  metrics: SpreadsMetrics,
  logger: Logger,
  upstreams: QuoteSourceUpstreams,
  jobs: JobScheduler | undefined,
  prepare?: Parameters<typeof createCcxtVenueSources>[1]['prepare'],
): QuoteSource[] {
  // every failure is counted; the log gets a venue's outage once, and other errors once a minute per source
  const failures = new SourceFailureLog((message) => logger.warn(message), (error) => isVenueOutage(error) || isUpstreamOutage(error));
  const onError: QuoteSourceReports['onError'] = (source, error) => {
    metrics.sourceErrors.inc({ source });
    failures.failed(source, error);
  };
  const onQuotes: QuoteSourceReports['onQuotes'] = (source, count) => {
    metrics.quotes.inc({ source }, count);
    failures.answered(source);
  };
  const onMode = (source: string, kind: string, mode: 'ws' | 'rest') => failures.modeChanged(source, kind, mode);
  // each venue is an upstream of its own (`ccxt-binance`, ...): ccxt paces and retries by itself, the policy adds
  // the per-poll timeout, the breaker and `upstream_calls_total`
  const policyOf = (source: string) => upstreams.policies.for(source.replace(':', '-'), { retries: 0, timeoutMs: 30_000, isTransient: isVenueOutage });
  const runCall = <T>(source: string, call: () => Promise<T>) => policyOf(source).run(call);
  const circuitOpen = (source: string) => policyOf(source).circuitState === 'open';
  const sources: QuoteSource[] = createCcxtVenueSources(spreads, { onQuotes, onError, onMode, runCall, circuitOpen, jobs, prepare });
  if (dex.networks.length > 0) {
    sources.push(new GeckoTerminalPoolsSource(upstreams.geckoTerminal, [...dex.networks], dex.pollMs, { onQuotes, onError }, jobs));
  }
  return sources;
}
