import { createCache } from 'cache-manager';
import { createUpstreamCacheStore } from '../cache/cache-store';
import { UpstreamCache } from '../cache/upstream-cache';
import type { UpstreamLogger } from '../logging/upstream-logger';
import type { DefiLlamaApi } from './defillama.api';
import { DEFILLAMA_CACHE, DefiLlamaMarketData, PRICE_HISTORY_DAYS } from './defillama.market-data';

const quietLogger: UpstreamLogger = { debug: () => undefined, log: () => undefined, warn: () => undefined };
const DAY = 86_400;

function setup() {
  const calls: string[] = [];
  const nowSeconds = Math.floor(Date.now() / 1000);
  const api: DefiLlamaApi = {
    upstream: 'defillama',
    callsPerMinute: 60,
    getStablecoins: async () => (calls.push('stablecoins'), { peggedAssets: [] }),
    getAllCharts: async () => (calls.push('charts'), [{ date: 1, totalCirculatingUSD: {} }]),
    getPrices: async () => (calls.push('prices'), [nowSeconds - (PRICE_HISTORY_DAYS + 1) * DAY, nowSeconds - DAY].map((date) => ({ date, prices: {} }))),
  };
  const cache = new UpstreamCache(createCache({ stores: [createUpstreamCacheStore()] }), { logger: quietLogger });
  const keys: string[] = [];
  const get = cache.get.bind(cache);
  jest.spyOn(cache, 'get').mockImplementation((key, load, policy) => (keys.push(`${key} ${policy.freshMs}/${policy.staleMs}`), get(key, load, policy)));
  return { reader: new DefiLlamaMarketData(api, cache), calls, keys, nowSeconds };
}

describe('DefiLlamaMarketData', () => {
  it('serves every reader of a key from one upstream call, under the keys and policy the features have always shared', async () => {
    const { reader, calls, keys } = setup();
    await Promise.all([reader.stablecoins(), reader.stablecoins(), reader.totalCharts(), reader.prices()]);
    await reader.stablecoins();
    expect(calls.sort()).toEqual(['charts', 'prices', 'stablecoins']);
    const policy = `${DEFILLAMA_CACHE.freshMs}/${DEFILLAMA_CACHE.staleMs}`;
    expect(new Set(keys)).toEqual(new Set([`defillama:stablecoins ${policy}`, `defillama:stablecoincharts:all ${policy}`, `defillama:stablecoinprices ${policy}`]));
  });

  it('keeps only the last PRICE_HISTORY_DAYS days of prices', async () => {
    const { reader, nowSeconds } = setup();
    expect((await reader.prices()).value.map((point) => point.date)).toEqual([nowSeconds - DAY]);
  });

  it("is DefiLlama's request budget", () => {
    expect(setup().reader).toMatchObject({ upstream: 'defillama', callsPerMinute: 60 });
  });
});
