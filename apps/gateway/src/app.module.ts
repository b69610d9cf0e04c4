import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { ConfigModule } from '@app/config';
import { HttpRateLimitModule } from '@app/http-security';
import { ObservabilityModule } from '@app/observability';
import { RealtimeModule, StreamDescriptorsModule } from '@app/realtime';
import { StorageModule } from '@app/storage';
import { UpstreamModule } from '@app/upstream';
import { AuthModule } from '@app/auth';
import { ApiKeysModule } from '@app/api-keys';
import { ClusterModule } from '@app/cluster';
import { SchedulingModule } from '@app/scheduling';
import { SpreadsModule } from './spreads/spreads.module';
import { MarketSnapshotModule } from './market-snapshot/market-snapshot.module';
import { DerivativesModule } from './derivatives/derivatives.module';
import { OperationsModule } from './operations/operations.module';
import { DexMetricsModule } from './dex-metrics/dex-metrics.module';
import { StablecoinsModule } from './stablecoins/stablecoins.module';
import { DepegModule } from './depeg/depeg.module';
import { CapitalFlowModule } from './capital-flow/capital-flow.module';
import { pinoHttpOptions } from './common/request-logging';
import type { GatewayConfig } from './gateway-config';
import { ContractModule } from './contract/contract.module';
import { ExplorerModule } from './explorer/explorer.module';

export interface AppModuleOptions {
  /** where log lines go (tests capture them); stdout by default */
  logDestination?: DestinationStream;
}

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({ pinoHttp: options.logDestination ? [pinoHttpOptions(config), options.logDestination] : pinoHttpOptions(config, { toStdoutTty: true }) }),
        HttpRateLimitModule.forRoot(config.http.rateLimits),
        ObservabilityModule,
        SchedulingModule,
        StorageModule.forRoot(),
        ClusterModule,
        UpstreamModule,
        AuthModule,
        ApiKeysModule,
        RealtimeModule,
        StreamDescriptorsModule,
        OperationsModule,
        MarketSnapshotModule,
        SpreadsModule,
        DerivativesModule,
        StablecoinsModule,
        DepegModule,
        CapitalFlowModule,
        DexMetricsModule,
        ContractModule,
        ExplorerModule,
      ],
    };
  }
}
