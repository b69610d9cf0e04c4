import { loadConfig } from '@app/config';
import { startUpstreamSimulator, type UpstreamSimulator } from '@app/simulator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UpstreamHttpClient } from '../http/upstream-http-client';
import type { UpstreamLogger } from '../logging/upstream-logger';
import { CoinGeckoClient, coinGeckoHttpOptions } from './coingecko.client';
import { marketChartProblems, marketsProblems } from './coingecko.validation';

const fixture = (file: string): unknown => JSON.parse(readFileSync(join(__dirname, '../../../simulator/fixtures/coingecko', file), 'utf8'));
const quietLogger: UpstreamLogger = { debug: () => undefined, log: () => undefined, warn: () => undefined };

describe('CoinGecko /coins/markets and market_chart', () => {
  it('validates the recorded payloads and names problems', () => {
    expect(marketsProblems(fixture('coins-markets-stablecoin-items.json'))).toEqual([]);
    expect(marketsProblems(fixture('coins-markets-top-item.json'))).toEqual([]);
    expect(marketChartProblems(fixture('market-chart-bitcoin-usd-7d-subset.json'))).toEqual([]);
    expect(marketsProblems({ error: 'x' })).toEqual(['body: expected array of market rows']);
    expect(marketsProblems([{ id: 'x', symbol: 'x', name: 'X', current_price: '1' }])).toContain('[0].current_price: expected number, got string');
  });

  describe('against the simulator', () => {
    let sim: UpstreamSimulator;
    let coingecko: CoinGeckoClient;
    beforeAll(async () => {
      sim = await startUpstreamSimulator({ seed: 9 });
      const settings = { ...loadConfig({}).upstreams.coingecko, baseUrl: sim.baseUrls.coingecko };
      coingecko = new CoinGeckoClient(new UpstreamHttpClient({ ...coinGeckoHttpOptions(settings), retries: 0, logger: quietLogger }));
    });
    afterAll(() => sim.close());

    it('asks for one page of a category, ordered by market cap', async () => {
      const rows = await coingecko.getMarkets({ vs_currency: 'usd', category: 'stablecoins' });
      expect(rows[0]).toMatchObject({ id: 'tether', symbol: 'usdt' });
      expect(sim.log.last('coingecko')).toMatchObject({
        path: '/coins/markets',
        query: { vs_currency: 'usd', category: 'stablecoins', order: 'market_cap_desc', per_page: '250', page: '1' },
      });
    });

    it('reads a market chart', async () => {
      const chart = await coingecko.getMarketChart('dai', { vs_currency: 'usd', days: 7 });
      expect(chart.prices).toHaveLength(169);
      expect(sim.log.last('coingecko')).toMatchObject({ path: '/coins/dai/market_chart', query: { vs_currency: 'usd', days: '7' } });
    });
  });

  it('drops null and malformed chart points (reported by client authors) and tolerates absent series', async () => {
    const http = { getJson: async () => ({ prices: [[1, null], [2, 1.001], ['x', 1], [3]], market_caps: [[2, 5]] }) } as unknown as UpstreamHttpClient;
    expect(await new CoinGeckoClient(http).getMarketChart('dai', { vs_currency: 'usd', days: 1 })).toEqual({
      prices: [[2, 1.001]],
      market_caps: [[2, 5]],
      total_volumes: [],
    });
  });
});
