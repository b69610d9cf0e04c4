import type { AppConfig } from '@app/config';
import type { SpreadsConfig } from '../spreads.config';
import type { Logger } from '@nestjs/common';
import { SIM_DEX_NETWORKS, SIMULATED_WATCH_VENUES } from '@app/simulator';
import type { SpreadsMetrics } from '../spreads.metrics';
import { createCcxtVenueSources, type CcxtSourceHooks } from './ccxt/ccxt-venue-source';
import { pointAtSimulatedVenues } from './ccxt/simulated-venues';
import type { QuoteSource } from './quote-source';
import { GeckoTerminalPoolsSource } from './dex/geckoterminal-pools';
import { UpstreamHttpClient } from '@app/upstream';

/** GeckoTerminal refreshes pool data about once a minute and allows ~30 calls/min. */
const DEX_POLL_MS = 20_000;

/** Where and how often the DEX legs are read (GeckoTerminal's top pools). */
interface DexSetup {
  baseUrl: string;
  networks: readonly string[];
  pollMs: number;
  callsPerMinute: number;
}

/**
 * The quote sources of `SPREADS_SOURCE`: the venues through ccxt (live), the same ccxt clients pointed at the
 * upstream simulator's venues (`simulated`, the sandbox default), or none. Sandbox is a mode of the live path: same
 * sources, same ccxt parsing, only the URLs, the markets (set from the simulator's catalogue) and the pace differ.
 */
export function createQuoteSources(config: AppConfig, spreads: SpreadsConfig, metrics: SpreadsMetrics, logger: Logger): QuoteSource[] {
  switch (spreads.source) {
    case 'off':
      return [];
    case 'simulated': {
      const venuesUrl = spreads.simulatedVenuesUrl;
      if (!venuesUrl) throw new Error('SPREADS_SOURCE=simulated needs the upstream simulator (MARKET_DATA=sandbox, or SANDBOX_UPSTREAM_URL)');
      // the simulated market moves once per tick: every leg is read once a tick (the simulator has no rate limit), the
      // venues the simulator streams are streamed, and the DEX legs are the simulator's pools
      const simulated: SpreadsConfig = { ...spreads, pollMs: spreads.simTickMs, watchVenues: spreads.watchVenues.filter((venue) => SIMULATED_WATCH_VENUES.includes(venue)) };
      const dex = { baseUrl: `${venuesUrl}/api.geckoterminal.com/api/v2`, networks: SIM_DEX_NETWORKS, pollMs: spreads.simTickMs, callsPerMinute: 60_000 };
      return ccxtSources(simulated, dex, metrics, logger, (exchange, exchangeId) => pointAtSimulatedVenues(exchange, exchangeId, venuesUrl));
    }
    case 'ccxt':
      return ccxtSources(spreads, { baseUrl: spreads.dexBaseUrl, networks: spreads.dexNetworks, pollMs: DEX_POLL_MS, callsPerMinute: 25 }, metrics, logger);
  }
}

function ccxtSources(spreads: SpreadsConfig, dex: DexSetup, metrics: SpreadsMetrics, logger: Logger, prepare?: Parameters<typeof createCcxtVenueSources>[1]['prepare']): QuoteSource[] {
  // every failure is counted; a failing source is logged at most once a minute (a venue outage must not flood the log)
  const lastLogged = new Map<string, number>();
  const warnOncePerMinute = (key: string, message: string) => {
    const now = Date.now();
    if (now - (lastLogged.get(key) ?? 0) < 60_000) return;
    lastLogged.set(key, now);
    logger.warn(`${message} (repeats within a minute are not logged)`);
  };
  const onError: CcxtSourceHooks['onError'] = (source, error) => {
    metrics.sourceErrors.inc({ source });
    warnOncePerMinute(source, `${source}: ${source.endsWith(':ws') ? 'stream' : 'poll'} failed: ${error instanceof Error ? error.message : String(error)}`);
  };
  // a flapping stream must not flood the log either: one line per venue and minute
  const onMode = (source: string, kind: string, mode: 'ws' | 'rest') =>
    warnOncePerMinute(`${source}:mode`, mode === 'rest' ? `${source}:${kind}: stream silent, polling REST` : `${source}:${kind}: stream back, REST polling stopped`);
  const sources: QuoteSource[] = createCcxtVenueSources(spreads, { onQuotes: (source, count) => metrics.quotes.inc({ source }, count), onError, onMode, prepare });
  if (dex.networks.length > 0) {
    const client = new UpstreamHttpClient({
      name: 'geckoterminal',
      baseUrl: dex.baseUrl,
      headers: { accept: 'application/json;version=20230302' },
      budget: { callsPerMinute: dex.callsPerMinute, maxWaitMs: 30_000 },
    });
    sources.push(new GeckoTerminalPoolsSource(client, [...dex.networks], dex.pollMs, (error) => onError('geckoterminal', error)));
  }
  return sources;
}
