import { Module } from '@nestjs/common';
import {
  ComparativePriceTimeseriesGateway,
  DistributionAnalysisGateway,
  MainTableGateway,
  MarketcapTotalIndexGateway,
} from './stablecoins.gateways';
import { StablecoinsSource } from './stablecoins.source';
import { StablecoinsStreams } from './stablecoins.streams';
import { StablecoinsContract } from './stablecoins.contract';

/** Seed 000 stablecoin streams: main_table, marketcap_total_index, distribution_analysis, comparative_price_timeseries. */
@Module({
  providers: [
    StablecoinsSource,
    StablecoinsStreams,
    StablecoinsContract,
    MainTableGateway,
    MarketcapTotalIndexGateway,
    DistributionAnalysisGateway,
    ComparativePriceTimeseriesGateway,
  ],
  // the depeg feature reads /stablecoins and /stablecoinprices through the same cache keys
  exports: [StablecoinsSource],
})
export class StablecoinsModule {}
