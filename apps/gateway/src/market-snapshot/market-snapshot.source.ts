import { Inject, Injectable } from '@nestjs/common';
import { COINGECKO_API, UpstreamCache, UpstreamError, type Cached, type CachePolicy, type CoinGeckoApi, type CoinGeckoCoin, type CoinGeckoGlobal } from '@app/upstream';
import type { StreamLoad } from '@app/realtime';
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
    const global = await this.cache.get('coingecko:global', () => this.coingecko.getGlobal(), MARKET_SNAPSHOT_CACHE);
    return { data: global.value, fetchedAt: global.fetchedAt, stale: global.stale };
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
    const [global, bitcoin, ethereum] = await Promise.allSettled([
      this.cache.get('coingecko:global', () => this.coingecko.getGlobal(), MARKET_SNAPSHOT_CACHE),
      this.loadCoin('bitcoin'),
      this.loadCoin('ethereum'),
    ]);
    if (global.status === 'rejected') throw global.reason;
    const parts = [global.value, ...[bitcoin, ethereum].flatMap((coin) => (coin.status === 'fulfilled' ? [coin.value] : []))];
    const missing = [
      ...(bitcoin.status === 'rejected' ? [{ source: 'coingecko /coins/bitcoin', reason: reasonOf(bitcoin.reason) }] : []),
      ...(ethereum.status === 'rejected' ? [{ source: 'coingecko /coins/ethereum', reason: reasonOf(ethereum.reason) }] : []),
    ];
    return {
      data: {
        totalMarketCapUsd: required(global.value.value.total_market_cap.usd, 'total_market_cap.usd'),
        btcDominance: required(global.value.value.market_cap_percentage.btc, 'market_cap_percentage.btc'),
        ethDominance: required(global.value.value.market_cap_percentage.eth, 'market_cap_percentage.eth'),
        bitcoin: bitcoin.status === 'fulfilled' ? brief(bitcoin.value.value) : undefined,
        ethereum: ethereum.status === 'fulfilled' ? brief(ethereum.value.value) : undefined,
      },
      fetchedAt: Math.min(...parts.map((part) => part.fetchedAt)),
      stale: parts.some((part) => part.stale),
      missing,
    };
  }
}

export function dominanceOf(global: CoinGeckoGlobal, symbol: 'btc' | 'eth'): number {
  return required(global.market_cap_percentage[symbol], `market_cap_percentage.${symbol}`);
}

function brief(coin: CoinGeckoCoin): CoinBrief {
  return { symbol: coin.symbol.toUpperCase(), logo: coin.image.large };
}

function required(value: number | null | undefined, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new UpstreamError('coingecko', `/global has no ${field}`, undefined, 'validation');
  return value;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
