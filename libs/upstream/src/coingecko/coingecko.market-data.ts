import { Inject, Injectable } from '@nestjs/common';
import { UpstreamCache } from '../cache/upstream-cache';
import type { CachePolicy, Cached, UpstreamBudget } from '../contracts';
import { COINGECKO_API, type CoinGeckoApi } from './coingecko.api';
import type { CoinGeckoCoin, CoinGeckoGlobal, CoinGeckoMarket, CoinGeckoMarketChart } from './coingecko.schemas';

/** `/global` and `/coins/{id}` (seed 000: "enhanced caching (5min fresh, 15min stale)"). */
export const COINGECKO_SNAPSHOT_CACHE: CachePolicy = { freshMs: 5 * 60_000, staleMs: 15 * 60_000 };
/** CoinGecko updates `/coins/markets` every 30 s on Pro and (assumed) ≥ 60 s keyless/Demo: 60 s fresh, 5 min stale. */
export const COINGECKO_MARKETS_CACHE: CachePolicy = { freshMs: 60_000, staleMs: 5 * 60_000 };
/** `market_chart` is hourly for 2–90 days (5-minutely for 1 day): 5 min fresh, 15 min stale. */
export const COINGECKO_CHART_CACHE: CachePolicy = { freshMs: 5 * 60_000, staleMs: 15 * 60_000 };

/** Logo and upper-case symbol of a coin, as every card that shows a coin needs them. */
export interface CoinBrief {
  symbol: string;
  logo?: string;
}

export function coinBrief(coin: CoinGeckoCoin): CoinBrief {
  return { symbol: coin.symbol.toUpperCase(), logo: coin.image.large };
}

/**
 * CoinGecko reads through the shared upstream cache, one key per call and params: every feature (and, with Redis,
 * every replica) asking for e.g. `/coins/bitcoin` shares one upstream request. Its budget is CoinGecko's.
 */
@Injectable()
export class CoinGeckoMarketData implements UpstreamBudget {
  constructor(
    @Inject(COINGECKO_API) private readonly coingecko: CoinGeckoApi,
    private readonly cache: UpstreamCache,
  ) {}

  get upstream(): string {
    return this.coingecko.upstream;
  }

  get callsPerMinute(): number {
    return this.coingecko.callsPerMinute;
  }

  global(): Promise<Cached<CoinGeckoGlobal>> {
    return this.cache.get('coingecko:global', () => this.coingecko.getGlobal(), COINGECKO_SNAPSHOT_CACHE);
  }

  /** `/coins/{id}` metadata (logo, symbol). */
  coin(id: string): Promise<Cached<CoinGeckoCoin>> {
    return this.cache.get(`coingecko:coin:${id}`, () => this.coingecko.getCoin(id), COINGECKO_SNAPSHOT_CACHE);
  }

  /** The first page (250 rows, by market cap) of a category, e.g. `stablecoins`. */
  categoryMarkets(category: string, vsCurrency: string): Promise<Cached<CoinGeckoMarket[]>> {
    return this.cache.get(
      `coingecko:markets:${category}:${vsCurrency}`,
      () => this.coingecko.getMarkets({ vs_currency: vsCurrency, category, per_page: 250 }),
      COINGECKO_MARKETS_CACHE,
    );
  }

  marketChart(id: string, vsCurrency: string, days: number): Promise<Cached<CoinGeckoMarketChart>> {
    return this.cache.get(`coingecko:market_chart:${id}:${vsCurrency}:${days}`, () => this.coingecko.getMarketChart(id, { vs_currency: vsCurrency, days }), COINGECKO_CHART_CACHE);
  }
}
