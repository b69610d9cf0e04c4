import { WebSocketGateway } from '@nestjs/websockets';
import { StreamGateway, StreamHub } from '@app/realtime';
import { STABLECOINS_PATHS, StablecoinsStreams } from './stablecoins.streams';

@WebSocketGateway({ path: STABLECOINS_PATHS.mainTable })
export class MainTableGateway extends StreamGateway {
  constructor(hub: StreamHub, streams: StablecoinsStreams) {
    super(hub, streams.mainTable);
  }
}

@WebSocketGateway({ path: STABLECOINS_PATHS.marketcapTotalIndex })
export class MarketcapTotalIndexGateway extends StreamGateway {
  constructor(hub: StreamHub, streams: StablecoinsStreams) {
    super(hub, streams.marketcapTotalIndex);
  }
}

@WebSocketGateway({ path: STABLECOINS_PATHS.distributionAnalysis })
export class DistributionAnalysisGateway extends StreamGateway {
  constructor(hub: StreamHub, streams: StablecoinsStreams) {
    super(hub, streams.distributionAnalysis);
  }
}

@WebSocketGateway({ path: STABLECOINS_PATHS.comparativePriceTimeseries })
export class ComparativePriceTimeseriesGateway extends StreamGateway {
  constructor(hub: StreamHub, streams: StablecoinsStreams) {
    super(hub, streams.comparativePriceTimeseries);
  }
}
