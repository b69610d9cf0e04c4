import { APP_CONFIG, type AppConfig } from '@app/config';
import { JobScheduler } from '@app/scheduling';
import { Logger, Module } from '@nestjs/common';
import { SpreadsQueryService } from './api/spreads-query.service';
import { SpreadsLiveGateway, SpreadsLiveStream } from './live/spreads-live.stream';
import { createQuoteSources } from './sources/create-sources';
import { SPREADS_QUOTE_SOURCES } from './sources/quote-source';
import { SpreadsContract } from './spreads.contract';
import { SpreadsController } from './spreads.controller';
import { SpreadsMetrics } from './spreads.metrics';
import { SpreadsPipeline } from './spreads.pipeline';

/** Seed 003: spread detection (sources → engine) and its API (recent, history, live). */
@Module({
  controllers: [SpreadsController],
  providers: [
    SpreadsMetrics,
    {
      provide: SPREADS_QUOTE_SOURCES,
      inject: [APP_CONFIG, SpreadsMetrics, JobScheduler],
      useFactory: (config: AppConfig, metrics: SpreadsMetrics, jobs: JobScheduler) => createQuoteSources(config, metrics, new Logger('Spreads'), jobs),
    },
    SpreadsPipeline,
    SpreadsQueryService,
    SpreadsLiveStream,
    SpreadsLiveGateway,
    SpreadsContract,
  ],
  exports: [SpreadsPipeline],
})
export class SpreadsModule {}
