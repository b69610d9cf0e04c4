import { Inject, Injectable } from '@nestjs/common';
import { UpstreamCache } from '../cache/upstream-cache';
import type { CachePolicy, Cached, UpstreamBudget } from '../contracts';
import { DEFILLAMA_API, type DefiLlamaApi } from './defillama.api';
import type { DefiLlamaChartPoint, DefiLlamaPricePoint, DefiLlamaStablecoins } from './defillama.schemas';

/**
 * DefiLlama regenerates the stablecoin data by cron and serves it with `Cache-Control: max-age=1800`:
 * 10 min fresh (a new cron run shows within 10 min), then 30 min more served stale while one refresh runs.
 */
export const DEFILLAMA_CACHE: CachePolicy = { freshMs: 10 * 60_000, staleMs: 30 * 60_000 };

/** Price history kept (depeg detection's `days_back` goes up to 365, plus room for runs that started before). */
export const PRICE_HISTORY_DAYS = 400;

/**
 * DefiLlama stablecoin reads through the shared upstream cache, one key per call: the stablecoin streams and the
 * depeg stream (and, with Redis, every replica) share one upstream request per key. Its budget is DefiLlama's.
 */
@Injectable()
export class DefiLlamaMarketData implements UpstreamBudget {
  constructor(
    @Inject(DEFILLAMA_API) private readonly defillama: DefiLlamaApi,
    private readonly cache: UpstreamCache,
  ) {}

  get upstream(): string {
    return this.defillama.upstream;
  }

  get callsPerMinute(): number {
    return this.defillama.callsPerMinute;
  }

  stablecoins(): Promise<Cached<DefiLlamaStablecoins>> {
    return this.cache.get('defillama:stablecoins', () => this.defillama.getStablecoins(), DEFILLAMA_CACHE);
  }

  totalCharts(): Promise<Cached<DefiLlamaChartPoint[]>> {
    return this.cache.get('defillama:stablecoincharts:all', () => this.defillama.getAllCharts(), DEFILLAMA_CACHE);
  }

  /** The last PRICE_HISTORY_DAYS days of `/stablecoinprices` (the full body goes back to 2020: megabytes nobody reads). */
  prices(): Promise<Cached<DefiLlamaPricePoint[]>> {
    return this.cache.get(
      'defillama:stablecoinprices',
      async () => {
        const since = Date.now() / 1000 - PRICE_HISTORY_DAYS * 86_400;
        return (await this.defillama.getPrices({ sinceSeconds: since })).filter((point) => point.date >= since);
      },
      DEFILLAMA_CACHE,
    );
  }
}
