import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { ConfigModule, type AppConfig } from '@app/config';
import { ObservabilityModule } from '@app/observability';
import { RealtimeModule } from '@app/realtime';
import { StorageModule } from '@app/storage';
import { UpstreamModule } from '@app/upstream';
import { AuthModule } from '@app/auth';
import { ApiKeysModule } from '@app/api-keys';
import { SpreadsModule } from './spreads/spreads.module';
import { MarketSnapshotModule } from './market-snapshot/market-snapshot.module';
import { DerivativesModule } from './derivatives/derivatives.module';
import { OperationsModule } from './operations/operations.module';
import { DexMetricsModule } from './dex-metrics/dex-metrics.module';
import { StablecoinsModule } from './stablecoins/stablecoins.module';
import { DepegModule } from './depeg/depeg.module';
import { CapitalFlowModule } from './capital-flow/capital-flow.module';
import { ExplorerModule } from './explorer/explorer.module';

/** Headers that carry credentials: never written to a log line. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-sign"]',
  'res.headers["set-cookie"]',
];

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            redact: { paths: REDACTED_PATHS, censor: '<redacted>' },
            // Successful requests are debug noise at scale; failures stay visible.
            customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug'),
            transport: config.env === 'development' && process.stdout.isTTY ? { target: 'pino/file', options: { destination: 1 } } : undefined,
          },
        }),
        ObservabilityModule,
        StorageModule.forRoot(),
        UpstreamModule,
        AuthModule,
        ApiKeysModule,
        RealtimeModule,
        OperationsModule,
        MarketSnapshotModule,
        SpreadsModule,
        DerivativesModule,
        StablecoinsModule,
        DepegModule,
        CapitalFlowModule,
        DexMetricsModule,
        ExplorerModule,
      ],
    };
  }
}
