import { Injectable } from '@nestjs/common';
import { CoinGeckoMarketData, UpstreamError, coinBrief, type CoinGeckoGlobal } from '@app/upstream';
import { fromCached, loadTiming, settleParts, type StreamLoad } from '@app/realtime';
import type { MarketSnapshotInput } from './market-snapshot.cards';

/** Loads the market snapshot's CoinGecko data through the shared cache (one upstream call per key, whatever the client count). */
@Injectable()
export class MarketSnapshotSource {
  constructor(private readonly coingecko: CoinGeckoMarketData) {}

  /** `/global` alone: all the dominance streams need. */
  async loadGlobal(): Promise<StreamLoad<CoinGeckoGlobal>> {
    return fromCached(await this.coingecko.global(), (global) => global);
  }

  /**
   * `/global`, `/coins/bitcoin` and `/coins/ethereum` concurrently. Without `/global` there is nothing to show
   * (the refresh fails and the hub keeps the last good frame); a missing coin only costs its logo.
   */
  async loadOverall(): Promise<StreamLoad<MarketSnapshotInput>> {
    const settled = await settleParts([
      { source: 'coingecko /global', read: this.coingecko.global(), required: true },
      { source: 'coingecko /coins/bitcoin', read: this.coingecko.coin('bitcoin') },
      { source: 'coingecko /coins/ethereum', read: this.coingecko.coin('ethereum') },
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
}

export function dominanceOf(global: CoinGeckoGlobal, symbol: 'btc' | 'eth'): number {
  return required(global.market_cap_percentage[symbol], `market_cap_percentage.${symbol}`);
}

function required(value: number | null | undefined, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new UpstreamError('coingecko', `/global has no ${field}`, undefined, 'validation');
  return value;
}
