import { gatewayFor } from '@app/realtime';
import { STABLECOINS_PATHS, StablecoinsStreams } from './stablecoins.streams';

export class MainTableGateway extends gatewayFor(STABLECOINS_PATHS.mainTable, StablecoinsStreams, (s) => s.mainTable) {}
export class MarketcapTotalIndexGateway extends gatewayFor(STABLECOINS_PATHS.marketcapTotalIndex, StablecoinsStreams, (s) => s.marketcapTotalIndex) {}
export class DistributionAnalysisGateway extends gatewayFor(STABLECOINS_PATHS.distributionAnalysis, StablecoinsStreams, (s) => s.distributionAnalysis) {}
export class ComparativePriceTimeseriesGateway extends gatewayFor(
  STABLECOINS_PATHS.comparativePriceTimeseries,
  StablecoinsStreams,
  (s) => s.comparativePriceTimeseries,
) {}
