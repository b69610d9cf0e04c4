import { ApiKeyAuthenticator } from '@app/api-keys';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { REALTIME_OPTIONS, SocketSender, type RealtimeOptions } from '@app/realtime';
import { Logger, Module } from '@nestjs/common';
import { SpreadsQueryService } from './api/spreads-query.service';
import { SpreadsLiveGateway } from './live/spreads-live.gateway';
import { SpreadsLiveSessions } from './live/spreads-live.sessions';
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
      inject: [APP_CONFIG, SpreadsMetrics],
      useFactory: (config: AppConfig, metrics: SpreadsMetrics) => createQuoteSources(config, metrics, new Logger('Spreads')),
    },
    SpreadsPipeline,
    SpreadsQueryService,
    {
      provide: SpreadsLiveSessions,
      inject: [SpreadsPipeline, ApiKeyAuthenticator, REALTIME_OPTIONS, SpreadsMetrics],
      useFactory: (pipeline: SpreadsPipeline, auth: ApiKeyAuthenticator, options: RealtimeOptions, metrics: SpreadsMetrics) =>
        new SpreadsLiveSessions(
          pipeline,
          auth,
          new SocketSender(options, { onSent: (n) => metrics.liveFrames.inc(n), onSkipped: () => undefined, onTerminated: () => undefined }),
          {
            pingMs: options.heartbeatMs,
            releaseMs: 250,
            maxConnections: options.maxConnections,
            onFrames: (n) => metrics.liveFrames.inc(n),
            onConnections: (delta) => metrics.liveConnections.inc(delta),
          },
        ),
    },
    SpreadsLiveGateway,
    SpreadsContract,
  ],
  exports: [SpreadsPipeline],
})
export class SpreadsModule {}
