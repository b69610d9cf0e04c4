import { WebSocketGateway } from '@nestjs/websockets';
import { StreamGateway, StreamHub } from '@app/realtime';
import { MARKET_SNAPSHOT_PATHS, MarketSnapshotStreams } from './market-snapshot.streams';

@WebSocketGateway({ path: MARKET_SNAPSHOT_PATHS.overall })
export class OverallMarketSnapshotGateway extends StreamGateway {
  constructor(hub: StreamHub, streams: MarketSnapshotStreams) {
    super(hub, streams.overall);
  }
}

@WebSocketGateway({ path: MARKET_SNAPSHOT_PATHS.btcDominance })
export class BtcDominanceGateway extends StreamGateway {
  constructor(hub: StreamHub, streams: MarketSnapshotStreams) {
    super(hub, streams.btcDominance);
  }
}

@WebSocketGateway({ path: MARKET_SNAPSHOT_PATHS.ethDominance })
export class EthDominanceGateway extends StreamGateway {
  constructor(hub: StreamHub, streams: MarketSnapshotStreams) {
    super(hub, streams.ethDominance);
  }
}
