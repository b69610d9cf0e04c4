import { Inject, Injectable } from '@nestjs/common';
import { COINGECKO_API, UpstreamCache, UpstreamError, type Cached, type CachePolicy, type CoinGeckoApi, type CoinGeckoCoin, type CoinGeckoGlobal } from '@app/upstream';
import { fromCached, loadTiming, settleParts, type StreamLoad } from '@app/realtime';
import type { CoinBrief, MarketSnapshotInput } from './market-snapshot.cards';

/** Seed 000: "enhanced caching (5min fresh, 15min stale)". */
export const MARKET_SNAPSHOT_CACHE: CachePolicy = { freshMs: 5 * 60_000, staleMs: 15 * 60_000 };

/** Loads the market snapshot's CoinGecko data through the shared cache (one upstream call per key, whatever the client count). */
@Injectable()
export class MarketSnapshotSource {
  constructor(
    @Inject(COINGECKO_API) private readonly coingecko: CoinGeckoApi,
    private readonly cache: UpstreamCache,
  ) {}

  /** `/global` alone: all the dominance streams need. */
  async loadGlobal(): Promise<StreamLoad<CoinGeckoGlobal>> {
    return fromCached(await this.global(), (global) => global);
  }

  /** `/coins/{id}` metadata (logo, symbol) through the shared cache: one key per coin for every feature that shows it. */
  loadCoin(id: string): Promise<Cached<CoinGeckoCoin>> {
    return this.cache.get(`coingecko:coin:${id}`, () => this.coingecko.getCoin(id), MARKET_SNAPSHOT_CACHE);
  }

  /**
   * `/global`, `/coins/bitcoin` and `/coins/ethereum` concurrently. Without `/global` there is nothing to show
   * (the refresh fails and the hub keeps the last good frame); a missing coin only costs its logo.
   */
  async loadOverall(): Promise<StreamLoad<MarketSnapshotInput>> {
    const settled = await settleParts([
      { source: 'coingecko /global', read: this.global(), required: true },
      { source: 'coingecko /coins/bitcoin', read: this.loadCoin('bitcoin') },
      { source: 'coingecko /coins/ethereum', read: this.loadCoin('ethereum') },
    ] as const);
    const [global, bitcoin, ethereum] = settled.values;
    return {
      data: {
        totalMarketCapUsd: required(global!.total_market_cap.usd, 'total_market_cap.usd'),
        btcDominance: dominanceOf(global!, 'btc'),
        ethDominance: dominanceOf(global!, 'eth'),
        bitcoin: bitcoin && coinBrief(bitcoin),
        ethereum: ethereum && coinBrief(ethereum),
      },
      ...loadTiming(settled),
      missing: settled.missing,
    };
  }

  private global(): Promise<Cached<CoinGeckoGlobal>> {
    return this.cache.get('coingecko:global', () => this.coingecko.getGlobal(), MARKET_SNAPSHOT_CACHE);
  }
}

export function dominanceOf(global: CoinGeckoGlobal, symbol: 'btc' | 'eth'): number {
  return required(global.market_cap_percentage[symbol], `market_cap_percentage.${symbol}`);
}

/** Logo and upper-case symbol of a coin, as every card that shows a coin needs them. */
export function coinBrief(coin: CoinGeckoCoin): CoinBrief {
  return { symbol: coin.symbol.toUpperCase(), logo: coin.image.large };
}

function required(value: number | null | undefined, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new UpstreamError('coingecko', `/global has no ${field}`, undefined, 'validation');
  return value;
}
