import { DynamicModule, Global, Module } from '@nestjs/common';
import type { AppConfig } from './app-config';
import type { ConfigSlice } from './config-slice';

export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * Provides the one validated configuration under `APP_CONFIG` (libs read its cross-cutting slices); a feature
 * reads its own slice under the slice's token with `ConfigModule.forFeature(slice)`.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] };
  }

  static forFeature(slice: ConfigSlice): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: slice.token, inject: [APP_CONFIG], useFactory: (config: Record<string, unknown>) => config[slice.key] }],
      exports: [slice.token],
    };
  }
}
