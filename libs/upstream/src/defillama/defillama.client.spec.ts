import { loadConfig } from '@app/config';
import { startUpstreamSimulator, type UpstreamSimulator } from '@app/simulator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UpstreamError } from '../contracts';
import { GetJsonOptions, UpstreamHttpClient } from '../http/upstream-http-client';
import type { UpstreamLogger } from '../logging/upstream-logger';
import { DefiLlamaClient, defiLlamaHttpOptions } from './defillama.client';
import { schemaProblems } from '../validation/schema-problems';
import { defiLlamaChartSchema, defiLlamaPricesSchema, defiLlamaStablecoinsSchema } from './defillama.schemas';

const fixture = (file: string): unknown => JSON.parse(readFileSync(join(__dirname, '../../../simulator/fixtures/defillama', file), 'utf8'));
const quietLogger: UpstreamLogger = { debug: () => undefined, log: () => undefined, warn: () => undefined };

describe('DefiLlama payload validation (against the recorded payloads)', () => {
  const chartProblems = (body: unknown) => schemaProblems(defiLlamaChartSchema, body);
  const pricesProblems = (body: unknown) => schemaProblems(defiLlamaPricesSchema(), body);
  const stablecoinsProblems = (body: unknown) => schemaProblems(defiLlamaStablecoinsSchema, body);

  it('accepts the recorded chart and price points, whatever the type of date', () => {
    expect(chartProblems(fixture('stablecoincharts-all-stablecoin2-first-item.json'))).toEqual([]);
    expect(chartProblems(fixture('stablecoincharts-ethereum-first-item.json'))).toEqual([]);
    expect(chartProblems([{ date: 1609372800, totalCirculatingUSD: { peggedUSD: 1 } }])).toEqual([]);
    expect(pricesProblems(fixture('stablecoinprices-last-item-2024-subset.json'))).toEqual([]);
  });

  it('accepts a /stablecoins list built from the recorded asset shape', () => {
    const recorded = fixture('stablecoin-1-trimmed-2023.json') as Record<string, unknown> & { currentChainBalances: { Optimism: object } };
    const asset = { ...recorded, circulating: { peggedUSD: 1 }, chainCirculating: { Optimism: { current: recorded.currentChainBalances.Optimism } } };
    expect(stablecoinsProblems({ peggedAssets: [asset], chains: fixture('stablecoinchains-item-2024.json') })).toEqual([]);
  });

  it('names what is wrong', () => {
    expect(chartProblems([{ date: 'yesterday' }])).toEqual(['[0].date: expected unix seconds']);
    expect(pricesProblems([{ date: '1704672000', prices: {} }])).toEqual(['[0].date: expected number, received string']);
    expect(stablecoinsProblems({ peggedAssets: [{ id: 1, name: 'X', symbol: 'X', pegType: 'peggedUSD', circulating: {} }] })).toEqual(['peggedAssets[0].id: expected string, received number']);
    expect(stablecoinsProblems({ peggedAssets: [{ id: '1', name: 'X', symbol: 'X', pegType: 'peggedUSD', circulating: { peggedUSD: '5' }, chainCirculating: { Tron: {} } }] })).toEqual([
      'peggedAssets[0].circulating.peggedUSD: expected number, received string',
    ]);
    expect(stablecoinsProblems({ peggedAssets: [{ id: '1', name: 'X', symbol: 'X', pegType: 'peggedUSD', circulating: {}, chainCirculating: [] }] })).toEqual([
      'peggedAssets[0].chainCirculating: expected record, received array',
    ]);
    expect(stablecoinsProblems([])).toEqual(['body: expected object, received array']);
  });

  it('reads a malformed optional history map (or the unread chain totals) as absent rather than failing the list', () => {
    const asset = { id: '1', name: 'X', symbol: 'X', pegType: 'peggedUSD', circulating: { peggedUSD: 5 }, circulatingPrevDay: 0, chainCirculating: { Tron: { current: { peggedUSD: 5 }, circulatingPrevWeek: 'n/a' } } };
    const parsed = defiLlamaStablecoinsSchema.parse({ peggedAssets: [asset], chains: 'changed' });
    expect(parsed.peggedAssets[0]).toMatchObject({ circulatingPrevDay: undefined, chainCirculating: { Tron: { current: { peggedUSD: 5 }, circulatingPrevWeek: undefined } } });
    expect(parsed.chains).toBeUndefined();
  });

  it('parses chart dates (strings of unix seconds) to numbers', () => {
    expect(defiLlamaChartSchema.parse([{ date: '1609459200', totalCirculatingUSD: { peggedUSD: 2 } }, { date: 1609372800 }])).toEqual([
      { date: 1609459200, totalCirculatingUSD: { peggedUSD: 2 } },
      { date: 1609372800 },
    ]);
  });

  it('returns both series oldest first, a missing chart total as {}', async () => {
    const bodies: Record<string, unknown> = {
      '/stablecoincharts/all': [{ date: '1609459200', totalCirculatingUSD: { peggedUSD: 2 } }, { date: '1609372800' }],
      '/stablecoinprices': [{ date: 2, prices: {} }, { date: 1, prices: { tether: null } }],
    };
    // hands each body to the client's schema, as the HTTP client does
    const http = { getJson: async (path: string, _query: unknown, { schema }: GetJsonOptions) => schema!.parse(bodies[path]) } as unknown as UpstreamHttpClient;
    const client = new DefiLlamaClient(http);
    expect(await client.getAllCharts()).toEqual([
      { date: 1609372800, totalCirculatingUSD: {} },
      { date: 1609459200, totalCirculatingUSD: { peggedUSD: 2 } },
    ]);
    expect((await client.getPrices()).map((point) => point.date)).toEqual([1, 2]);
  });

  it('drops price points before `sinceSeconds` before checking them, and still checks the rest', () => {
    const since = defiLlamaPricesSchema(10);
    expect(since.parse([{ date: 5, prices: { old: 'not checked' } }, { date: 12, prices: { tether: 1 } }])).toEqual([{ date: 12, prices: { tether: 1 } }]);
    expect(schemaProblems(since, [{ date: 5, prices: {} }, { date: 'x', prices: {} }, { date: 11, prices: { dai: '1' } }])).toEqual([
      '[0].date: expected number, received string',
      '[1].prices.dai: expected number, received string',
    ]);
  });
});

describe('DefiLlamaClient against the simulator', () => {
  let sim: UpstreamSimulator;
  let defillama: DefiLlamaClient;

  beforeAll(async () => {
    sim = await startUpstreamSimulator({ seed: 5 });
    const settings = { ...loadConfig({}).upstreams.defillama, baseUrl: sim.baseUrls.defillama };
    defillama = new DefiLlamaClient(new UpstreamHttpClient({ ...defiLlamaHttpOptions(settings), retries: 0, logger: quietLogger }));
    sim.clock.freeze(Date.UTC(2026, 2, 3, 4, 5, 6));
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.faults.clear());

  it('defaults to the public root and exposes its budget', () => {
    expect(defiLlamaHttpOptions(loadConfig({}).upstreams.defillama).baseUrl).toBe('https://stablecoins.llama.fi');
    expect(defillama).toMatchObject({ upstream: 'defillama', callsPerMinute: 60 });
  });

  it('reads /stablecoins with includePrices', async () => {
    const list = await defillama.getStablecoins();
    expect(list.peggedAssets[0]).toMatchObject({ id: '1', symbol: 'USDT', gecko_id: 'tether' });
    expect(sim.log.last('defillama')).toMatchObject({ path: '/stablecoins', query: { includePrices: 'true' } });
  });

  it('reads a malformed optional history map (or the unread chain totals) as absent rather than failing the list', () => {
    const asset = { id: '1', name: 'X', symbol: 'X', pegType: 'peggedUSD', circulating: { peggedUSD: 5 }, circulatingPrevDay: 0, chainCirculating: { Tron: { current: { peggedUSD: 5 }, circulatingPrevWeek: 'n/a' } } };
    const parsed = defiLlamaStablecoinsSchema.parse({ peggedAssets: [asset], chains: 'changed' });
    expect(parsed.peggedAssets[0]).toMatchObject({ circulatingPrevDay: undefined, chainCirculating: { Tron: { current: { peggedUSD: 5 }, circulatingPrevWeek: undefined } } });
    expect(parsed.chains).toBeUndefined();
  });

  it('parses chart dates (strings of seconds upstream) into numbers', async () => {
    const charts = await defillama.getAllCharts();
    expect(charts[0]).toEqual({ date: 1609372800, totalCirculatingUSD: expect.objectContaining({ peggedUSD: expect.any(Number) }) });
    expect(charts[charts.length - 1].date).toBe(Date.UTC(2026, 2, 3) / 1000);
  });

  it('reads /stablecoinprices keyed by CoinGecko id', async () => {
    const prices = await defillama.getPrices();
    expect(prices[prices.length - 1].prices).toHaveProperty('tether');
    expect(prices[prices.length - 1].prices).not.toHaveProperty('USDT');
  });

  it('fails with a typed error on an HTML page instead of JSON', async () => {
    sim.faults.set('defillama', { kind: 'html' });
    await expect(defillama.getAllCharts()).rejects.toBeInstanceOf(UpstreamError);
  });
});
