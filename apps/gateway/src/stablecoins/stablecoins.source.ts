import { Inject, Injectable } from '@nestjs/common';
import {
  COINGECKO_API,
  DEFILLAMA_API,
  UpstreamCache,
  type CachePolicy,
  type Cached,
  type CoinGeckoApi,
  type CoinGeckoMarket,
  type CoinGeckoMarketChart,
  type DefiLlamaApi,
  type DefiLlamaChartPoint,
  type DefiLlamaPricePoint,
  type DefiLlamaStablecoins,
} from '@app/upstream';

/**
 * DefiLlama regenerates the stablecoin data by cron and serves it with `Cache-Control: max-age=1800`:
 * 10 min fresh (a new cron run shows within 10 min), then 30 min more served stale while one refresh runs.
 */
export const DEFILLAMA_CACHE: CachePolicy = { freshMs: 10 * 60_000, staleMs: 30 * 60_000 };
/** CoinGecko updates `/coins/markets` every 30 s on Pro and (assumed) ≥ 60 s keyless/Demo: 60 s fresh, 5 min stale. */
export const COINGECKO_MARKETS_CACHE: CachePolicy = { freshMs: 60_000, staleMs: 5 * 60_000 };
/** `market_chart` is hourly for 2–90 days (5-minutely for 1 day): 5 min fresh, 15 min stale. */
export const COINGECKO_CHART_CACHE: CachePolicy = { freshMs: 5 * 60_000, staleMs: 15 * 60_000 };

/** Price history kept for depeg detection: `days_back` goes up to 365, plus room for runs that started before. */
export const PRICE_HISTORY_DAYS = 400;

/**
 * Cached upstream reads of the stablecoin streams (and the depeg stream). One cache key per upstream call and
 * params, so every feed and feature needing e.g. `/stablecoins` shares one upstream request.
 */
@Injectable()
export class StablecoinsSource {
  constructor(
    @Inject(DEFILLAMA_API) readonly defillama: DefiLlamaApi,
    @Inject(COINGECKO_API) readonly coingecko: CoinGeckoApi,
    private readonly cache: UpstreamCache,
  ) {}

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
        return (await this.defillama.getPrices()).filter((point) => point.date >= since);
      },
      DEFILLAMA_CACHE,
    );
  }

  stablecoinMarkets(vsCurrency: string): Promise<Cached<CoinGeckoMarket[]>> {
    return this.cache.get(
      `coingecko:markets:stablecoins:${vsCurrency}`,
      () => this.coingecko.getMarkets({ vs_currency: vsCurrency, category: 'stablecoins', per_page: 250 }),
      COINGECKO_MARKETS_CACHE,
    );
  }

  marketChart(id: string, vsCurrency: string, days: number): Promise<Cached<CoinGeckoMarketChart>> {
    return this.cache.get(
      `coingecko:market_chart:${id}:${vsCurrency}:${days}`,
      () => this.coingecko.getMarketChart(id, { vs_currency: vsCurrency, days }),
      COINGECKO_CHART_CACHE,
    );
  }
}
