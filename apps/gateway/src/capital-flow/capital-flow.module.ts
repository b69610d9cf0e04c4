import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiKeysModule } from '@app/api-keys';
import { ConfigModule } from '@app/config';
import { BINANCE_FUTURES_API, BINANCE_SPOT_API, BinanceKlinesApi } from '@app/upstream';
import { BinanceKlineSource } from './binance-kline.source';
import { capitalFlowConfig } from './capital-flow.config';
import { CapitalFlowContract } from './capital-flow.contract';
import { CapitalFlowController } from './capital-flow.controller';
import { CapitalFlowMetrics } from './capital-flow.metrics';
import { CapitalFlowService } from './capital-flow.service';
import { FLOW_SOURCES } from './flow-source';
import { OpenApiAccess, SignedRequestGuard } from './open-api-access';
import { openApiRedisProvider } from './shared-redis';
import { bodyParserErrorsAsEnvelope } from './open-api-envelope';
import { OpenApiExceptionFilter } from './open-api-exception.filter';
import { SnapshotLiveGateway, SnapshotLiveStream } from './snapshot-live';

/** Seed 002: capital-flow snapshots (REST + live), fed by Binance spot and USD-M klines. */
@Module({
  imports: [ApiKeysModule, ConfigModule.forFeature(capitalFlowConfig)],
  controllers: [CapitalFlowController],
  providers: [
    {
      provide: FLOW_SOURCES,
      inject: [BINANCE_SPOT_API, BINANCE_FUTURES_API],
      useFactory: (spot: BinanceKlinesApi, futures: BinanceKlinesApi) => [new BinanceKlineSource(spot), new BinanceKlineSource(futures)],
    },
    openApiRedisProvider,
    CapitalFlowMetrics,
    CapitalFlowService,
    OpenApiAccess,
    SignedRequestGuard,
    OpenApiExceptionFilter,
    SnapshotLiveStream,
    SnapshotLiveGateway,
    CapitalFlowContract,
  ],
  exports: [CapitalFlowService],
})
export class CapitalFlowModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: CapitalFlowMetrics,
  ) {}

  onModuleInit(): void {
    // runs before Nest adds its own error handler, so malformed bodies on the open API keep the seed envelope
    const express = this.adapterHost.httpAdapter?.getInstance?.() as { use?: (path: string, handler: unknown) => void } | undefined;
    express?.use?.('/api/open', bodyParserErrorsAsEnvelope(this.metrics));
  }
}
