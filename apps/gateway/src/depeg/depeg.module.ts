import { Module } from '@nestjs/common';
import { DepegEventStore } from './depeg-event.store';
import { declareViewStreams } from '@app/realtime';
import { SEED_STREAM_GROUP } from '../common/seed-paths';
import { DepegSource } from './depeg.source';
import { DepegStreams } from './depeg.stream';
import { DepegContract } from './depeg.contract';

/** Seed 000 `ws/event_logs`: depeg detection over DefiLlama data, persisted in `depeg_events`. */
@Module({
  providers: [DepegEventStore, DepegSource, DepegStreams, DepegContract, declareViewStreams(DepegStreams, SEED_STREAM_GROUP, (s) => [s.eventLogs])],
})
export class DepegModule {}
