import type { AppConfig } from '@app/config';
import type { Logger } from '@nestjs/common';
import type { SpreadsMetrics } from '../spreads.metrics';
import { createCcxtVenueSources } from './ccxt/ccxt-venue-source';
import type { QuoteSource } from './quote-source';
import { GeckoTerminalPoolsSource } from './dex/geckoterminal-pools';
import { SimulatedVenues } from './simulated-venues';
import { UpstreamError, type GeckoTerminalApi, type UpstreamPolicies } from '@app/upstream';

/** GeckoTerminal refreshes pool data about once a minute and allows ~30 calls/min. */
const DEX_POLL_MS = 20_000;

/** ccxt's errors that mean the venue (or the way to it) is down: they count towards its circuit breaker. */
const CCXT_OUTAGE_ERRORS = new Set(['NetworkError', 'RequestTimeout', 'ExchangeNotAvailable', 'OnMaintenance', 'DDoSProtection', 'RateLimitExceeded']);
const isVenueOutage = (error: unknown) =>
  error instanceof UpstreamError ? error.kind === 'timeout' || error.kind === 'network' : CCXT_OUTAGE_ERRORS.has((error as Error)?.constructor?.name ?? '');

/** What the live sources call their upstreams through (from `UpstreamModule`). */
export interface QuoteSourceUpstreams {
  geckoTerminal: GeckoTerminalApi;
  policies: UpstreamPolicies;
}

/** The quote sources of `SPREADS_SOURCE`: live venues through ccxt, the sandbox's simulated venues, or none. */
export function createQuoteSources(config: AppConfig, metrics: SpreadsMetrics, logger: Logger, upstreams: QuoteSourceUpstreams): QuoteSource[] {
  switch (config.spreads.source) {
    case 'off':
      return [];
    case 'simulated':
      return [new SimulatedVenues({ venues: config.spreads.venues, seed: config.marketData.sandboxSeed, tickMs: config.spreads.simTickMs })];
    case 'ccxt': {
      // every failure is counted; a failing source is logged at most once a minute (a venue outage must not flood the log)
      const lastLogged = new Map<string, number>();
      const warnOncePerMinute = (key: string, message: string) => {
        const now = Date.now();
        if (now - (lastLogged.get(key) ?? 0) < 60_000) return;
        lastLogged.set(key, now);
        logger.warn(`${message} (repeats within a minute are not logged)`);
      };
      const onError = (source: string, error: unknown) => {
        metrics.sourceErrors.inc({ source });
        // an open circuit was logged once by the venue's policy; its fast failures are only counted
        if (error instanceof UpstreamError && error.kind === 'circuit_open') return;
        warnOncePerMinute(source, `${source}: ${source.endsWith(':ws') ? 'stream' : 'poll'} failed: ${error instanceof Error ? error.message : String(error)}`);
      };
      // a flapping stream must not flood the log either: one line per venue and minute
      const onMode = (source: string, kind: string, mode: 'ws' | 'rest') =>
        warnOncePerMinute(`${source}:mode`, mode === 'rest' ? `${source}:${kind}: stream silent, polling REST` : `${source}:${kind}: stream back, REST polling stopped`);
      // each venue is an upstream of its own (`ccxt-binance`, ...): ccxt paces and retries by itself, the policy adds
      // the per-poll timeout, the breaker and `upstream_calls_total`
      const runCall = <T>(source: string, call: () => Promise<T>) =>
        upstreams.policies.for(source.replace(':', '-'), { retries: 0, timeoutMs: 30_000, isTransient: isVenueOutage }).run(call);
      const sources: QuoteSource[] = createCcxtVenueSources(config.spreads, { onQuotes: (source, count) => metrics.quotes.inc({ source }, count), onError, onMode, runCall });
      if (config.spreads.dexNetworks.length > 0) {
        sources.push(new GeckoTerminalPoolsSource(upstreams.geckoTerminal, config.spreads.dexNetworks, DEX_POLL_MS, (error) => onError('geckoterminal', error)));
      }
      return sources;
    }
  }
}
