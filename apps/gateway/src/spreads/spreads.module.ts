import { GECKOTERMINAL_API, UpstreamPolicies, type GeckoTerminalApi } from '@app/upstream';
import { ConfigModule } from '@app/config';
import { JobScheduler } from '@app/scheduling';
import { Logger, Module } from '@nestjs/common';
import { SpreadsQueryService } from './api/spreads-query.service';
import { SpreadsLiveGateway, SpreadsLiveStream } from './live/spreads-live.stream';
import { createQuoteSources } from './sources/create-sources';
import { SPREADS_QUOTE_SOURCES } from './sources/quote-source';
import { spreadsConfig, type SpreadsConfig } from './spreads.config';
import { SpreadsContract } from './spreads.contract';
import { SpreadsController } from './spreads.controller';
import { SpreadsMetrics } from './spreads.metrics';
import { SpreadsPipeline } from './spreads.pipeline';

/** Seed 003: spread detection (sources → engine) and its API (recent, history, live). */
@Module({
  imports: [ConfigModule.forFeature(spreadsConfig)],
  controllers: [SpreadsController],
  providers: [
    SpreadsMetrics,
    {
      provide: SPREADS_QUOTE_SOURCES,
      inject: [spreadsConfig.token, SpreadsMetrics, GECKOTERMINAL_API, UpstreamPolicies, JobScheduler],
      useFactory: (spreads: SpreadsConfig, metrics: SpreadsMetrics, geckoTerminal: GeckoTerminalApi, policies: UpstreamPolicies, jobs: JobScheduler) =>
        createQuoteSources(spreads, metrics, new Logger('Spreads'), { geckoTerminal, policies }, jobs),
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
