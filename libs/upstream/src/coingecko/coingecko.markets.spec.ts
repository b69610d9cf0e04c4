import { loadConfig } from '@app/config';
import { startUpstreamSimulator, type UpstreamSimulator } from '@app/simulator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetJsonOptions, UpstreamHttpClient } from '../http/upstream-http-client';
import type { UpstreamLogger } from '../logging/upstream-logger';
import { CoinGeckoClient, coinGeckoHttpOptions } from './coingecko.client';
import { schemaProblems } from '../validation/schema-problems';
import { coinGeckoMarketChartSchema, coinGeckoMarketsSchema } from './coingecko.schemas';

const fixture = (file: string): unknown => JSON.parse(readFileSync(join(__dirname, '../../../simulator/fixtures/coingecko', file), 'utf8'));
const quietLogger: UpstreamLogger = { debug: () => undefined, log: () => undefined, warn: () => undefined };

describe('CoinGecko /coins/markets and market_chart', () => {
  const marketsProblems = (body: unknown) => schemaProblems(coinGeckoMarketsSchema, body);

  it('validates the recorded payloads and names problems', () => {
    expect(marketsProblems(fixture('coins-markets-stablecoin-items.json'))).toEqual([]);
    expect(marketsProblems(fixture('coins-markets-top-item.json'))).toEqual([]);
    expect(schemaProblems(coinGeckoMarketChartSchema, fixture('market-chart-bitcoin-usd-7d-subset.json'))).toEqual([]);
    expect(marketsProblems({ error: 'x' })).toEqual(['body: expected array, received object']);
    const row = { id: 'x', symbol: 'x', name: 'X', current_price: 1, market_cap: null, price_change_percentage_24h: null };
    expect(marketsProblems([row, row, row, { ...row, current_price: '1' }])).toEqual(['[3].current_price: expected number, received string']);
  });

  it('requires the prices series of a chart', () => {
    expect(schemaProblems(coinGeckoMarketChartSchema, { market_caps: [] })).toEqual(['prices: expected array, received undefined']);
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
    const body = { prices: [[1, null], [2, 1.001], ['x', 1], [3], null], market_caps: [[2, 5]] };
    // the client's schema does the cleaning: hand it the body as the HTTP client would
    const http = { getJson: async (_path: string, _query: unknown, { schema }: GetJsonOptions) => schema!.parse(body) } as unknown as UpstreamHttpClient;
    expect(await new CoinGeckoClient(http).getMarketChart('dai', { vs_currency: 'usd', days: 1 })).toEqual({
      prices: [[2, 1.001]],
      market_caps: [[2, 5]],
      total_volumes: [],
    });
  });
});
