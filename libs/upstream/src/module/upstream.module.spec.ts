import { ConfigModule, loadConfig } from '@app/config';
import { startUpstreamSimulator, UpstreamSimulator } from '@app/simulator';
import { Global, Module } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { UpstreamCache } from '../cache/upstream-cache';
import { COINGECKO_API, CoinGeckoApi } from '../coingecko/coingecko.api';
import { CoinGeckoClient } from '../coingecko/coingecko.client';
import { UPSTREAM_BUDGETS, UPSTREAM_OBSERVERS, UpstreamBudget, UpstreamCacheOutcome, UpstreamCallOutcome, UpstreamObservers } from '../contracts';
import { UpstreamModule } from './upstream.module';

const calls: Array<[string, UpstreamCallOutcome]> = [];
const cacheEvents: UpstreamCacheOutcome[] = [];

/** Stands in for the app's metrics module, which provides the hooks from a global module. */
@Global()
@Module({
  providers: [
    {
      provide: UPSTREAM_OBSERVERS,
      useValue: {
        onCall: (upstream, outcome) => calls.push([upstream, outcome]),
        onCache: (outcome) => cacheEvents.push(outcome),
      } satisfies UpstreamObservers,
    },
  ],
  exports: [UPSTREAM_OBSERVERS],
})
class TestObserversModule {}

async function boot(env: NodeJS.ProcessEnv, withObservers = true): Promise<TestingModule> {
  const imports = [ConfigModule.forRoot(loadConfig({ LOG_LEVEL: 'warn', ...env })), UpstreamModule];
  return Test.createTestingModule({ imports: withObservers ? [TestObserversModule, ...imports] : imports }).compile();
}

describe('UpstreamModule', () => {
  describe('against the simulator', () => {
    let sim: UpstreamSimulator;
    let moduleRef: TestingModule;

    beforeAll(async () => {
      sim = await startUpstreamSimulator({ seed: 7 });
      moduleRef = await boot({ COINGECKO_BASE_URL: sim.baseUrls.coingecko, COINGECKO_API_KEY: 'demo-key-from-config' });
    });
    afterAll(async () => {
      await moduleRef.close();
      await sim.close();
    });

    it('provides CoinGecko behind its token and its class, built from config, reporting calls to the observer', async () => {
      const coingecko = moduleRef.get<CoinGeckoApi>(COINGECKO_API);
      expect(moduleRef.get(CoinGeckoClient)).toBe(coingecko);
      const global = await coingecko.getGlobal();
      expect(global.market_cap_percentage.btc).toBeGreaterThan(50);
      expect(calls).toContainEqual(['coingecko', 200]);
      expect(sim.log.last('coingecko')?.headers['x-cg-demo-api-key']).toBe('demo-key-from-config');
    });

    it('lists every client budget', () => {
      const budgets = moduleRef.get<UpstreamBudget[]>(UPSTREAM_BUDGETS);
      expect(budgets.map(({ upstream, callsPerMinute }) => ({ upstream, callsPerMinute }))).toEqual(
        expect.arrayContaining([{ upstream: 'coingecko', callsPerMinute: 30 }, { upstream: 'defillama', callsPerMinute: 60 }]),
      );
    });

    it('provides a healthy in-memory cache wired to the observer', async () => {
      const cache = moduleRef.get(UpstreamCache);
      expect(cache.storeKind).toBe('memory');
      expect(await cache.isHealthy()).toBe(true);
      const coingecko = moduleRef.get<CoinGeckoApi>(COINGECKO_API);
      const policy = { freshMs: 300_000, staleMs: 900_000 };
      await cache.get('coingecko:global', () => coingecko.getGlobal(), policy);
      const cached = await cache.get('coingecko:global', () => coingecko.getGlobal(), policy);
      expect(cached.stale).toBe(false);
      expect(cacheEvents).toEqual(['miss', 'hit']);
      expect(sim.requests('coingecko', '/global')).toBe(2); // one from the test above, one miss here
    });
  });

  it('takes the plan, root and budget from config; observers are optional', async () => {
    const moduleRef = await boot({ COINGECKO_PLAN: 'pro', COINGECKO_API_KEY: 'k' }, false);
    try {
      expect(moduleRef.get<CoinGeckoApi>(COINGECKO_API).callsPerMinute).toBe(500);
    } finally {
      await moduleRef.close();
    }
  });

  (process.env.REDIS_URL ? it : it.skip)('uses Redis for the cache when REDIS_URL is set', async () => {
    const moduleRef = await boot({ REDIS_URL: process.env.REDIS_URL }, false);
    try {
      const cache = moduleRef.get(UpstreamCache);
      expect(cache.storeKind).toBe('redis');
      expect(await cache.isHealthy()).toBe(true);
    } finally {
      await moduleRef.close();
    }
  });
});
