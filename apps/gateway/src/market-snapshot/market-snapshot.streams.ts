import { Injectable } from '@nestjs/common';
import { rowFields } from '@app/query';
import { filteredList, type StreamDefinition } from '@app/realtime';
import { COINGECKO_SNAPSHOT_CACHE, CoinGeckoMarketData, type CoinGeckoGlobal } from '@app/upstream';
import { STABLECOINS_WS_PREFIX } from '../common/seed-paths';
import { dominanceRow, overallSnapshotCards, type DominanceRow, type MarketSnapshotInput, type SnapshotCard } from './market-snapshot.cards';
import { MarketSnapshotSource, dominanceOf } from './market-snapshot.source';

export const MARKET_SNAPSHOT_PATHS = {
  overall: `${STABLECOINS_WS_PREFIX}/overall-market-snapshot`,
  btcDominance: `${STABLECOINS_WS_PREFIX}/btc_dom`,
  ethDominance: `${STABLECOINS_WS_PREFIX}/eth_dom`,
} as const;

/** The three market-snapshot streams of seed 000. None takes upstream params; all take the filter pipe's. */
@Injectable()
export class MarketSnapshotStreams {
  readonly overall: StreamDefinition<object, MarketSnapshotInput>;
  readonly btcDominance: StreamDefinition<object, CoinGeckoGlobal>;
  readonly ethDominance: StreamDefinition<object, CoinGeckoGlobal>;

  constructor(source: MarketSnapshotSource, coingecko: CoinGeckoMarketData) {
    const refresh = (callsPerRefresh: number) => ({ freshMs: COINGECKO_SNAPSHOT_CACHE.freshMs, callsPerRefresh, budget: coingecko });
    const dominanceFields = rowFields<DominanceRow>({ Title: true, Value: true });
    this.overall = {
      name: 'overall-market-snapshot',
      path: MARKET_SNAPSHOT_PATHS.overall,
      requiresAuth: true,
      rowFields: rowFields<SnapshotCard>({ title: true, value: true, logo: true, symbol: true }),
      refresh: refresh(3),
      load: () => source.loadOverall(),
      render: (input, query, _params, context) => filteredList('results', overallSnapshotCards(input), query, context),
    };
    this.btcDominance = {
      name: 'btc_dom',
      path: MARKET_SNAPSHOT_PATHS.btcDominance,
      requiresAuth: true,
      rowFields: dominanceFields,
      refresh: refresh(1),
      load: () => source.loadGlobal(),
      render: (global, query, _params, context) => filteredList('results', [dominanceRow('Bitcoin', dominanceOf(global, 'btc'))], query, context),
    };
    this.ethDominance = {
      name: 'eth_dom',
      path: MARKET_SNAPSHOT_PATHS.ethDominance,
      requiresAuth: true,
      rowFields: dominanceFields,
      refresh: refresh(1),
      load: () => source.loadGlobal(),
      render: (global, query, _params, context) => filteredList('results', [dominanceRow('Ethereum', dominanceOf(global, 'eth'))], query, context),
    };
  }
}
