import type { AppConfig } from '@app/config';
import type { Logger } from '@nestjs/common';
import type { JobScheduler } from '@app/scheduling';
import type { SpreadsMetrics } from '../spreads.metrics';
import { createCcxtVenueSources } from './ccxt/ccxt-venue-source';
import type { QuoteSource } from './quote-source';
import { GeckoTerminalPoolsSource } from './dex/geckoterminal-pools';
import { SimulatedVenues } from './simulated-venues';
import { UpstreamHttpClient } from '@app/upstream';

/** GeckoTerminal refreshes pool data about once a minute and allows ~30 calls/min. */
const DEX_POLL_MS = 20_000;

/** The quote sources of `SPREADS_SOURCE`: live venues through ccxt, the sandbox's simulated venues, or none. */
export function createQuoteSources(config: AppConfig, metrics: SpreadsMetrics, logger: Logger, jobs?: JobScheduler): QuoteSource[] {
  switch (config.spreads.source) {
    case 'off':
      return [];
    case 'simulated':
      return [new SimulatedVenues({ venues: config.spreads.venues, seed: config.marketData.sandboxSeed, tickMs: config.spreads.simTickMs, jobs })];
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
        warnOncePerMinute(source, `${source}: ${source.endsWith(':ws') ? 'stream' : 'poll'} failed: ${error instanceof Error ? error.message : String(error)}`);
      };
      // a flapping stream must not flood the log either: one line per venue and minute
      const onMode = (source: string, kind: string, mode: 'ws' | 'rest') =>
        warnOncePerMinute(`${source}:mode`, mode === 'rest' ? `${source}:${kind}: stream silent, polling REST` : `${source}:${kind}: stream back, REST polling stopped`);
      const sources: QuoteSource[] = createCcxtVenueSources(config.spreads, { onQuotes: (source, count) => metrics.quotes.inc({ source }, count), onError, onMode, jobs });
      if (config.spreads.dexNetworks.length > 0) {
        const client = new UpstreamHttpClient({
          name: 'geckoterminal',
          baseUrl: config.spreads.dexBaseUrl,
          headers: { accept: 'application/json;version=20230302' },
          budget: { callsPerMinute: 25, maxWaitMs: 30_000 },
        });
        sources.push(new GeckoTerminalPoolsSource(client, config.spreads.dexNetworks, DEX_POLL_MS, (error) => onError('geckoterminal', error), jobs));
      }
      return sources;
    }
  }
}
