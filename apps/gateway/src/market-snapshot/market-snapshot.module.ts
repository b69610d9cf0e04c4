import { Module } from '@nestjs/common';
import { declareViewStreams } from '@app/realtime';
import { SEED_STREAM_GROUP } from '../common/seed-paths';
import { MarketSnapshotSource } from './market-snapshot.source';
import { MarketSnapshotStreams } from './market-snapshot.streams';
import { MarketSnapshotContract } from './market-snapshot.contract';

@Module({
  providers: [
    MarketSnapshotSource,
    MarketSnapshotStreams,
    MarketSnapshotContract,
    declareViewStreams(MarketSnapshotStreams, SEED_STREAM_GROUP, (s) => [s.overall, s.btcDominance, s.ethDominance]),
  ],
})
export class MarketSnapshotModule {}
