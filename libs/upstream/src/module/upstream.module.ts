import { CACHE_MANAGER, CacheModule } from '@nestjs/cache-manager';
import { Global, Module, Provider } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { CLUSTER_REDIS } from '@app/cluster';
import { APP_CONFIG, AppConfig } from '@app/config';
import type Redis from 'ioredis';
import { UPSTREAM_CACHE_NAMESPACE, createUpstreamCacheStore } from '../cache/cache-store';
import { UpstreamCache } from '../cache/upstream-cache';
import { CoinGeckoMarketData } from '../coingecko/coingecko.market-data';
import { DefiLlamaMarketData } from '../defillama/defillama.market-data';
import { UPSTREAM_BUDGETS, UPSTREAM_OBSERVERS, UpstreamBudget, UpstreamObservers } from '../contracts';
import { RedisRequestBudget } from '../http/shared-budget';
import { UpstreamHttpClient, UpstreamHttpClientOptions } from '../http/upstream-http-client';
import { NestUpstreamLogger } from '../logging/upstream-logger';
import { UpstreamPolicies } from '../resilience/upstream-policies';
import { UpstreamPolicy } from '../resilience/upstream-policy';
import { UPSTREAM_CLIENTS, UpstreamClientContext } from './upstream-clients';

const UPSTREAM_CLIENT_CONTEXT = Symbol('UPSTREAM_CLIENT_CONTEXT');
const OPTIONAL_OBSERVERS = { token: UPSTREAM_OBSERVERS, optional: true };
const OPTIONAL_CLUSTER_REDIS = { token: CLUSTER_REDIS, optional: true };

// pino's level lives in AppConfig, not in Nest's Logger: derive "debug on" from it
const isDebugEnabled = (config: AppConfig) => ['debug', 'trace'].includes(config.logLevel);

function createPolicies(config: AppConfig, observers?: UpstreamObservers): UpstreamPolicies {
  const debugEnabled = isDebugEnabled(config);
  return new UpstreamPolicies({
    observer: observers?.onCall,
    onCircuitState: observers?.onCircuitState,
    logger: new NestUpstreamLogger(UpstreamPolicy.name, () => debugEnabled),
    timeoutMs: config.upstreams.timeoutCapMs,
  });
}

function createClientContext(config: AppConfig, policies: UpstreamPolicies, observers?: UpstreamObservers, redis?: Redis): UpstreamClientContext {
  const debugEnabled = isDebugEnabled(config);
  const cappedTimeout = (timeoutMs: number | undefined) => Math.min(timeoutMs ?? 10_000, config.upstreams.timeoutCapMs ?? Infinity);
  return {
    config,
    policy: (upstream, options = {}) => policies.for(upstream, { ...options, timeoutMs: cappedTimeout(options.timeoutMs) }),
    httpClient: (options: UpstreamHttpClientOptions) => {
      const client = new UpstreamHttpClient({
        observer: observers?.onCall,
        onCircuitState: observers?.onCircuitState,
        logger: new NestUpstreamLogger(UpstreamHttpClient.name, () => debugEnabled),
        // with Redis the replicas share each upstream's calls per minute: the cluster stays inside the upstream's limit
        sharedBudget: redis
          ? new RedisRequestBudget({ redis, upstream: options.name, callsPerMinute: options.budget.callsPerMinute, keyPrefix: config.redis.keyPrefix })
          : undefined,
        ...options,
        timeoutMs: cappedTimeout(options.timeoutMs),
      });
      policies.add(client.policy);
      return client;
    },
  };
}

const clientProviders: Provider[] = UPSTREAM_CLIENTS.flatMap((client) => [
  { provide: client.token, inject: [UPSTREAM_CLIENT_CONTEXT], useFactory: (context: UpstreamClientContext) => client.create(context) },
  { provide: client.type, useExisting: client.token },
]);

/**
 * Upstream providers, their request budgets, the upstream cache and the cached per-upstream readers, built from `APP_CONFIG`
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
    { provide: UpstreamPolicies, inject: [APP_CONFIG, OPTIONAL_OBSERVERS], useFactory: createPolicies },
    { provide: UPSTREAM_CLIENT_CONTEXT, inject: [APP_CONFIG, UpstreamPolicies, OPTIONAL_OBSERVERS, OPTIONAL_CLUSTER_REDIS], useFactory: createClientContext },
    {
      provide: UpstreamCache,
      inject: [CACHE_MANAGER, APP_CONFIG, OPTIONAL_OBSERVERS],
      useFactory: (store: Cache, config: AppConfig, observers?: UpstreamObservers) => {
        const debugEnabled = isDebugEnabled(config);
        return new UpstreamCache(store, {
          storeKind: config.redis.url ? 'redis' : 'memory',
          keyPrefix: config.redis.keyPrefix,
          // replicas following a feed mark a value stale when the replica refreshing it saw its upstream fail
          shareFailures: Boolean(config.redis.url),
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
    // the cached reads (keys and policies) that several features share
    CoinGeckoMarketData,
    DefiLlamaMarketData,
  ],
  exports: [
    UpstreamCache,
    CoinGeckoMarketData,
    DefiLlamaMarketData,
    UpstreamPolicies,
    UPSTREAM_BUDGETS,
    ...UPSTREAM_CLIENTS.flatMap((client) => [client.token, client.type]),
  ],
})
export class UpstreamModule {}
