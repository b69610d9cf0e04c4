import { Module } from '@nestjs/common';
import { BtcDominanceGateway, EthDominanceGateway, OverallMarketSnapshotGateway } from './market-snapshot.gateways';
import { MarketSnapshotSource } from './market-snapshot.source';
import { MarketSnapshotStreams } from './market-snapshot.streams';

@Module({
  providers: [MarketSnapshotSource, MarketSnapshotStreams, OverallMarketSnapshotGateway, BtcDominanceGateway, EthDominanceGateway],
})
export class MarketSnapshotModule {}
