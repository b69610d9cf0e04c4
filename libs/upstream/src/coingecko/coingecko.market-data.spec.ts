import { createCache } from 'cache-manager';
import { createUpstreamCacheStore } from '../cache/cache-store';
import { UpstreamCache } from '../cache/upstream-cache';
import type { UpstreamLogger } from '../logging/upstream-logger';
import type { CoinGeckoApi } from './coingecko.api';
import { COINGECKO_CHART_CACHE, COINGECKO_MARKETS_CACHE, COINGECKO_SNAPSHOT_CACHE, CoinGeckoMarketData, coinBrief } from './coingecko.market-data';

const quietLogger: UpstreamLogger = { debug: () => undefined, log: () => undefined, warn: () => undefined };

function setup() {
  const calls: string[] = [];
  const api: CoinGeckoApi = {
    upstream: 'coingecko',
    callsPerMinute: 30,
    getGlobal: async () => (calls.push('global'), { total_market_cap: {}, total_volume: {}, market_cap_percentage: {}, updated_at: null }),
    getCoin: async (id) => (calls.push(`coin ${id}`), { id, symbol: 'btc', name: 'Bitcoin', image: { large: 'https://img/btc.png' } }),
    getMarkets: async (params) => (calls.push(`markets ${params.category} ${params.vs_currency} ${params.per_page}`), []),
    getMarketChart: async (id, params) => (calls.push(`chart ${id} ${params.vs_currency} ${params.days}`), { prices: [], market_caps: [], total_volumes: [] }),
  };
  const cache = new UpstreamCache(createCache({ stores: [createUpstreamCacheStore()] }), { logger: quietLogger });
  const keys: string[] = [];
  const get = cache.get.bind(cache);
  jest.spyOn(cache, 'get').mockImplementation((key, load, policy) => (keys.push(`${key} ${policy.freshMs}/${policy.staleMs}`), get(key, load, policy)));
  return { reader: new CoinGeckoMarketData(api, cache), calls, keys };
}

const policy = ({ freshMs, staleMs }: { freshMs: number; staleMs: number }) => `${freshMs}/${staleMs}`;

describe('CoinGeckoMarketData', () => {
  it('serves every reader of a key from one upstream call, under the keys and policies the features have always shared', async () => {
    const { reader, calls, keys } = setup();
    await Promise.all([reader.coin('bitcoin'), reader.coin('bitcoin'), reader.global(), reader.categoryMarkets('stablecoins', 'usd'), reader.marketChart('dai', 'usd', 7)]);
    await reader.categoryMarkets('stablecoins', 'usd');
    expect(calls.sort()).toEqual(['chart dai usd 7', 'coin bitcoin', 'global', 'markets stablecoins usd 250']);
    expect(new Set(keys)).toEqual(
      new Set([
        `coingecko:coin:bitcoin ${policy(COINGECKO_SNAPSHOT_CACHE)}`,
        `coingecko:global ${policy(COINGECKO_SNAPSHOT_CACHE)}`,
        `coingecko:markets:stablecoins:usd ${policy(COINGECKO_MARKETS_CACHE)}`,
        `coingecko:market_chart:dai:usd:7 ${policy(COINGECKO_CHART_CACHE)}`,
      ]),
    );
  });

  it("is CoinGecko's request budget, and briefs a coin as cards show it", async () => {
    const { reader } = setup();
    expect(reader).toMatchObject({ upstream: 'coingecko', callsPerMinute: 30 });
    expect(coinBrief((await reader.coin('bitcoin')).value)).toEqual({ symbol: 'BTC', logo: 'https://img/btc.png' });
  });
});
