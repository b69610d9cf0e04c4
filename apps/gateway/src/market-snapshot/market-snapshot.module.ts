import { Module } from '@nestjs/common';
import { BtcDominanceGateway, EthDominanceGateway, OverallMarketSnapshotGateway } from './market-snapshot.gateways';
import { MarketSnapshotSource } from './market-snapshot.source';
import { MarketSnapshotStreams } from './market-snapshot.streams';
import { MarketSnapshotContract } from './market-snapshot.contract';

@Module({
  providers: [MarketSnapshotSource, MarketSnapshotStreams, MarketSnapshotContract, OverallMarketSnapshotGateway, BtcDominanceGateway, EthDominanceGateway],
  // coin metadata (logos) is shared with other features through the same cache keys
  exports: [MarketSnapshotSource],
})
export class MarketSnapshotModule {}
