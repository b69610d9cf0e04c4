import { ConfigModule } from '@app/config';
import { Module } from '@nestjs/common';
import { dexMetricsConfig } from './dex-metrics.config';
import { DexLiveGateway, DexLiveStream } from './dex-live.stream';
import { DexMetricsContract } from './dex-metrics.contract';
import { DexMetricsService } from './dex-metrics.service';
import { DexLiveFeed } from './publish/dex-live-feed';
import { SymbolInfoController } from './symbol-info.controller';

/** Seed 004: DEX metrics from EVM swap logs to Kafka and `WS /v1/dex-metrics/live`, symbols at `GET /symbol_info`. */
@Module({
  imports: [ConfigModule.forFeature(dexMetricsConfig)],
  controllers: [SymbolInfoController],
  providers: [DexLiveFeed, DexMetricsService, DexLiveStream, DexLiveGateway, DexMetricsContract],
  exports: [DexMetricsService, DexLiveFeed],
})
export class DexMetricsModule {}
