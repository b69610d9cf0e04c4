import { loadConfig } from '@app/config';
import { COINGECKO_DRIFT, coingeckoRoutes, json, maxDominanceDeviation, startUpstreamSimulator, UpstreamSimulator } from '@app/simulator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UpstreamError } from '../contracts';
import { UpstreamHttpClient } from '../http/upstream-http-client';
import { UpstreamLogger } from '../logging/upstream-logger';
import { CoinGeckoClient, coinGeckoHttpOptions, CoinGeckoSettings } from './coingecko.client';
import { schemaProblems } from '../validation/schema-problems';
import { CoinGeckoCoin, CoinGeckoGlobal, coinGeckoCoinSchema, coinGeckoGlobalResponseSchema } from './coingecko.schemas';

const fixture = <T>(file: string): T => JSON.parse(readFileSync(join(__dirname, '../../../simulator/fixtures/coingecko', file), 'utf8')) as T;
const recordedGlobal = fixture<{ data: CoinGeckoGlobal }>('global.json').data;
const recordedBitcoin = fixture<CoinGeckoCoin>('coins-bitcoin.json');
const quietLogger: UpstreamLogger = { debug: () => undefined, log: () => undefined, warn: () => undefined };

describe('CoinGecko payload validation (against the recorded real payloads)', () => {
  const globalProblems = (body: unknown) => schemaProblems(coinGeckoGlobalResponseSchema, body);
  const coinProblems = (body: unknown) => schemaProblems(coinGeckoCoinSchema, body);

  it('accepts the recorded /global and /coins/bitcoin payloads', () => {
    expect(globalProblems(fixture('global.json'))).toEqual([]);
    expect(coinProblems(fixture('coins-bitcoin.json'))).toEqual([]);
    expect(coinProblems(fixture('coins-bitcoin-with-market-data.json'))).toEqual([]);
  });

  it('tolerates null numbers and values, missing optional fields and extra fields (kept)', () => {
    const global = { data: { total_market_cap: { usd: null }, total_volume: {}, market_cap_percentage: { btc: null }, updated_at: null, new_field: 1 } };
    expect(globalProblems(global)).toEqual([]);
    expect(coinGeckoGlobalResponseSchema.parse(global).data.new_field).toBe(1);
    expect(coinProblems({ id: 'x', symbol: 'x', name: 'X', image: { large: 'https://x', small: null }, genesis_date: null })).toEqual([]);
  });

  it('names the field that is wrong in a changed payload', () => {
    expect(globalProblems({ data: { ...recordedGlobal, updated_at: '1754592272', market_cap_percentage: undefined } })).toEqual([
      'data.market_cap_percentage: expected record, received undefined',
      'data.updated_at: expected number, received string',
    ]);
    expect(globalProblems({ data: { ...recordedGlobal, total_market_cap: { ...recordedGlobal.total_market_cap, usd: '1' } } })).toEqual([
      'data.total_market_cap.usd: expected number, received string',
    ]);
    expect(globalProblems({ error: 'x' })).toEqual(['data: expected object, received undefined']);
    expect(coinProblems({ ...recordedBitcoin, image: 'https://x' })).toEqual(['image: expected object, received string']);
  });
});

describe('coinGeckoHttpOptions', () => {
  const settings = (env: NodeJS.ProcessEnv): CoinGeckoSettings => loadConfig(env).upstreams.coingecko;

  it('sends the key in the header of its plan', () => {
    expect(coinGeckoHttpOptions(settings({ COINGECKO_API_KEY: 'demo-key-123' })).headers).toEqual({ 'x-cg-demo-api-key': 'demo-key-123' });
    expect(coinGeckoHttpOptions(settings({ COINGECKO_PLAN: 'pro', COINGECKO_API_KEY: 'pro-key-123' })).headers).toEqual({ 'x-cg-pro-api-key': 'pro-key-123' });
    expect(coinGeckoHttpOptions(settings({})).headers).toEqual({});
  });

  it('takes the base URL and budget from config', () => {
    const options = coinGeckoHttpOptions(settings({ COINGECKO_PLAN: 'pro', COINGECKO_API_KEY: 'k', COINGECKO_CALLS_PER_MINUTE: '250' }));
    expect(options).toMatchObject({ name: 'coingecko', baseUrl: 'https://pro-api.coingecko.com/api/v3', budget: { callsPerMinute: 250 } });
    expect(coinGeckoHttpOptions(settings({})).budget.callsPerMinute).toBe(30);
  });
});

describe('CoinGeckoClient against the simulator', () => {
  let sim: UpstreamSimulator;
  let coingecko: CoinGeckoClient;

  beforeAll(async () => {
    sim = await startUpstreamSimulator({ seed: 2024 });
    const settings = { ...loadConfig({ COINGECKO_API_KEY: 'demo-key-abc123' }).upstreams.coingecko, baseUrl: sim.baseUrls.coingecko };
    coingecko = new CoinGeckoClient(new UpstreamHttpClient({ ...coinGeckoHttpOptions(settings), logger: quietLogger }));
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    sim.faults.clear();
    sim.log.reset();
  });

  it('exposes its budget', () => {
    expect(coingecko).toMatchObject({ upstream: 'coingecko', callsPerMinute: 30 });
  });

  it('reads /global with the real values, moved within the drift bound', async () => {
    const before = Math.floor(Date.now() / 1000);
    const global = await coingecko.getGlobal();
    expect(Math.abs(global.market_cap_percentage.btc! / recordedGlobal.market_cap_percentage.btc! - 1)).toBeLessThanOrEqual(maxDominanceDeviation());
    expect(Math.abs(global.market_cap_percentage.eth! / recordedGlobal.market_cap_percentage.eth! - 1)).toBeLessThanOrEqual(maxDominanceDeviation());
    expect(Math.abs(global.total_market_cap.usd! / recordedGlobal.total_market_cap.usd! - 1)).toBeLessThanOrEqual(COINGECKO_DRIFT.totalMarketCap);
    expect(global.active_cryptocurrencies).toBe(17949);
    expect(global.updated_at).toBeGreaterThanOrEqual(before);
    expect(sim.log.last('coingecko')?.headers['x-cg-demo-api-key']).toBe('demo-key-abc123');
  });

  it('reads /coins/bitcoin with every heavy section switched off', async () => {
    const bitcoin = await coingecko.getCoin('bitcoin');
    expect(bitcoin).toMatchObject({ id: 'bitcoin', symbol: 'btc', name: 'Bitcoin', market_cap_rank: 1 });
    expect(bitcoin.image.large).toBe(recordedBitcoin.image.large);
    expect(sim.log.last('coingecko')).toMatchObject({
      path: '/coins/bitcoin',
      query: { localization: 'false', tickers: 'false', market_data: 'false', community_data: 'false', developer_data: 'false', sparkline: 'false' },
    });
  });

  it('reads /coins/ethereum', async () => {
    const ethereum = await coingecko.getCoin('ethereum');
    expect(ethereum).toMatchObject({ id: 'ethereum', symbol: 'eth', name: 'Ethereum' });
    expect(ethereum.image.large).toMatch(/^https:\/\//);
  });

  it('fails with a 404 UpstreamError for an unknown coin, without retrying', async () => {
    const error = (await coingecko.getCoin('no-such-coin').catch((caught: unknown) => caught)) as UpstreamError;
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ upstream: 'coingecko', kind: 'http', status: 404 });
    expect(sim.requests('coingecko')).toBe(1);
  });
});

describe('CoinGeckoClient with a changed upstream payload', () => {
  it('fails with kind validation instead of handing a wrong shape to the features', async () => {
    const changed = {
      ...coingeckoRoutes,
      routes: [{ path: '/global', handle: () => json({ data: { total_market_cap: 'n/a' } }) }],
    };
    const sim = await startUpstreamSimulator({ seed: 1, routeModules: [changed] });
    try {
      const client = new CoinGeckoClient(new UpstreamHttpClient({ name: 'coingecko', baseUrl: sim.baseUrls.coingecko, budget: { callsPerMinute: 60 }, logger: quietLogger }));
      const error = (await client.getGlobal().catch((caught: unknown) => caught)) as UpstreamError;
      expect(error).toMatchObject({ kind: 'validation' });
      expect(error.message).toMatch(/^coingecko: GET \/coingecko\/api\/v3\/global returned an unexpected shape: data\.total_market_cap: expected record, received string/);
    } finally {
      await sim.close();
    }
  });
});
