import { Module } from '@nestjs/common';
import { declareViewStreams } from '@app/realtime';
import { SEED_STREAM_GROUP } from '../common/seed-paths';
import { StablecoinsStreams } from './stablecoins.streams';
import { StablecoinsContract } from './stablecoins.contract';

/** Seed 000 stablecoin streams: main_table, marketcap_total_index, distribution_analysis, comparative_price_timeseries (reads: `DefiLlamaMarketData`, `CoinGeckoMarketData`). */
@Module({
  providers: [
    StablecoinsStreams,
    StablecoinsContract,
    declareViewStreams(StablecoinsStreams, SEED_STREAM_GROUP, (s) => [s.mainTable, s.marketcapTotalIndex, s.distributionAnalysis, s.comparativePriceTimeseries]),
  ],
})
export class StablecoinsModule {}
