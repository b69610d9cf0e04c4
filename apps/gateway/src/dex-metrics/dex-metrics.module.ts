import { Module } from '@nestjs/common';
import { DexLiveGateway } from './dex-live.gateway';
import { DexMetricsContract } from './dex-metrics.contract';
import { DexMetricsService } from './dex-metrics.service';
import { DexLiveFeed } from './publish/dex-live-feed';
import { SymbolInfoController } from './symbol-info.controller';

/** Seed 004: DEX metrics from EVM swap logs to Kafka and `WS /v1/dex-metrics/live`, symbols at `GET /symbol_info`. */
@Module({
  controllers: [SymbolInfoController],
  providers: [DexLiveFeed, DexMetricsService, DexLiveGateway, DexMetricsContract],
  exports: [DexMetricsService, DexLiveFeed],
})
export class DexMetricsModule {}
