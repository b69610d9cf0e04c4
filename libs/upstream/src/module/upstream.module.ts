import { CACHE_MANAGER, CacheModule } from '@nestjs/cache-manager';
import { Global, Module, Provider } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { APP_CONFIG, AppConfig } from '@app/config';
import { UPSTREAM_CACHE_NAMESPACE, createUpstreamCacheStore } from '../cache/cache-store';
import { UpstreamCache } from '../cache/upstream-cache';
import { UPSTREAM_BUDGETS, UPSTREAM_OBSERVERS, UpstreamBudget, UpstreamObservers } from '../contracts';
import { UpstreamHttpClient, UpstreamHttpClientOptions } from '../http/upstream-http-client';
import { NestUpstreamLogger } from '../logging/upstream-logger';
import { UPSTREAM_CLIENTS, UpstreamClientContext } from './upstream-clients';

const UPSTREAM_CLIENT_CONTEXT = Symbol('UPSTREAM_CLIENT_CONTEXT');
const OPTIONAL_OBSERVERS = { token: UPSTREAM_OBSERVERS, optional: true };

// pino's level lives in AppConfig, not in Nest's Logger: derive "debug on" from it
const isDebugEnabled = (config: AppConfig) => ['debug', 'trace'].includes(config.logLevel);

function createClientContext(config: AppConfig, observers?: UpstreamObservers): UpstreamClientContext {
  const debugEnabled = isDebugEnabled(config);
  return {
    config,
    httpClient: (options: UpstreamHttpClientOptions) =>
      new UpstreamHttpClient({
        observer: observers?.onCall,
        logger: new NestUpstreamLogger(UpstreamHttpClient.name, () => debugEnabled),
        ...options,
        timeoutMs: Math.min(options.timeoutMs ?? 10_000, config.upstreams.timeoutCapMs ?? Infinity),
      }),
  };
}

const clientProviders: Provider[] = UPSTREAM_CLIENTS.flatMap((client) => [
  { provide: client.token, inject: [UPSTREAM_CLIENT_CONTEXT], useFactory: (context: UpstreamClientContext) => client.create(context) },
  { provide: client.type, useExisting: client.token },
]);

/**
 * Upstream providers, their request budgets and the upstream cache, built from `APP_CONFIG`
 * (base URLs included: in sandbox mode the app points them at the simulator before building the module).
 * Global: import once in the app module. Optional metrics hooks: provide `UPSTREAM_OBSERVERS` from a global module.
 */
@Global()
@Module({
  imports: [
    CacheModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ stores: [createUpstreamCacheStore(config.redis.url, { namespace: `${config.redis.keyPrefix}${UPSTREAM_CACHE_NAMESPACE}` })] }),
    }),
  ],
  providers: [
    { provide: UPSTREAM_CLIENT_CONTEXT, inject: [APP_CONFIG, OPTIONAL_OBSERVERS], useFactory: createClientContext },
    {
      provide: UpstreamCache,
      inject: [CACHE_MANAGER, APP_CONFIG, OPTIONAL_OBSERVERS],
      useFactory: (store: Cache, config: AppConfig, observers?: UpstreamObservers) => {
        const debugEnabled = isDebugEnabled(config);
        return new UpstreamCache(store, {
          storeKind: config.redis.url ? 'redis' : 'memory',
          observer: observers?.onCache,
          logger: new NestUpstreamLogger(UpstreamCache.name, () => debugEnabled),
        });
      },
    },
    ...clientProviders,
    {
      provide: UPSTREAM_BUDGETS,
      inject: UPSTREAM_CLIENTS.map((client) => client.token),
      useFactory: (...clients: UpstreamBudget[]): UpstreamBudget[] => clients,
    },
  ],
  exports: [
    UpstreamCache,
    UPSTREAM_BUDGETS,
    ...UPSTREAM_CLIENTS.flatMap((client) => [client.token, client.type]),
  ],
})
export class UpstreamModule {}
