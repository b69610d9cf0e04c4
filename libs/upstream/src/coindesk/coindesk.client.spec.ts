import { loadConfig } from '@app/config';
import { COINDESK_DRIFT, coindeskRoutes, json, startUpstreamSimulator, UpstreamSimulator } from '@app/simulator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UpstreamError } from '../contracts';
import { UpstreamHttpClient } from '../http/upstream-http-client';
import { UpstreamLogger } from '../logging/upstream-logger';
import { CoinDeskClient, coinDeskHttpOptions, describeErr } from './coindesk.client';
import { schemaProblems } from '../validation/schema-problems';
import { coinDeskTickEnvelopeSchema } from './coindesk.schemas';

const fixture = <T>(file: string): T => JSON.parse(readFileSync(join(__dirname, '../../../simulator/fixtures/coindesk', file), 'utf8')) as T;
const recordedHour = fixture<{ Data: Array<{ QUOTE_VOLUME: number; CLOSE: number }> }>('futures-historical-hours.json').Data;
const quietLogger: UpstreamLogger = { debug: () => undefined, log: () => undefined, warn: () => undefined };
const FROZEN_AT = Date.UTC(2026, 10, 21, 9, 0, 0);
const TICK = '/futures/v1/latest/tick';

describe('CoinDesk payload validation', () => {
  const tickEnvelopeProblems = (body: unknown) => schemaProblems(coinDeskTickEnvelopeSchema, body);

  it('accepts the recorded spot tick envelope (the futures tick analogue) and error envelopes', () => {
    expect(tickEnvelopeProblems(fixture('spot-latest-tick-envelope-example.json'))).toEqual([]);
    expect(tickEnvelopeProblems({ Data: {}, Err: { type: 2, message: 'x' } })).toEqual([]);
  });

  it('names what is wrong in a changed payload', () => {
    expect(tickEnvelopeProblems({ Data: [], Err: {} })).toEqual(['Data: expected record, received array']);
    expect(tickEnvelopeProblems({ Data: { XBTUSD: { MOVING_24_HOUR_QUOTE_VOLUME: '12' } }, Err: {} })).toEqual([
      'Data.XBTUSD.MOVING_24_HOUR_QUOTE_VOLUME: expected number, received string',
    ]);
    expect(tickEnvelopeProblems({ Data: { XBTUSD: 5 }, Err: {} })).toEqual(['Data.XBTUSD: expected object, received number']);
  });

  it('never fails on the wording of an error envelope: odd values in Err are dropped', () => {
    expect(coinDeskTickEnvelopeSchema.parse({ Data: {}, Err: { type: '2', message: 'No data', other_info: 'n/a' } }).Err).toEqual({ message: 'No data' });
  });

  it('describes an Err object with the offending values', () => {
    expect(describeErr({ type: 2, message: 'No data', other_info: { param: 'instruments', values: ['A', 'B'] } })).toBe('No data (instruments: A, B)');
    expect(describeErr({})).toBe('no error message');
  });
});

describe('coinDeskHttpOptions', () => {
  it('sends the key as "authorization: Apikey <key>" and keeps it among the secrets', () => {
    const options = coinDeskHttpOptions(loadConfig({ COINDESK_API_KEY: 'cd-key-123456' }).upstreams.coindesk);
    expect(options).toMatchObject({ name: 'coindesk', baseUrl: 'https://data-api.coindesk.com', headers: { authorization: 'Apikey cd-key-123456' }, secrets: ['cd-key-123456'] });
    expect(options.budget.callsPerMinute).toBe(60);
    expect(coinDeskHttpOptions(loadConfig({ COINDESK_CALLS_PER_MINUTE: '6000' }).upstreams.coindesk).budget.callsPerMinute).toBe(6000);
    expect(coinDeskHttpOptions(loadConfig({}).upstreams.coindesk).headers).toEqual({});
  });
});

describe('CoinDeskClient against the simulator', () => {
  let sim: UpstreamSimulator;
  let coindesk: CoinDeskClient;

  beforeAll(async () => {
    sim = await startUpstreamSimulator({ seed: 2024 });
    sim.clock.freeze(FROZEN_AT);
    const settings = { ...loadConfig({ COINDESK_API_KEY: 'cd-key-abcdef' }).upstreams.coindesk, baseUrl: sim.baseUrls.coindesk };
    coindesk = new CoinDeskClient(new UpstreamHttpClient({ ...coinDeskHttpOptions(settings), retries: 0, logger: quietLogger }));
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.faults.clear());

  it('reads the Binance BTCUSDT perpetual by its mapped name, with a 24 h quote volume near the recorded hour × 24', async () => {
    const ticks = await coindesk.getFuturesLatestTick({ market: 'binance', instruments: ['BTC-USDT-VANILLA-PERPETUAL'] });
    const tick = ticks['BTC-USDT-VANILLA-PERPETUAL'];
    expect(tick).toMatchObject({ MARKET: 'binance', INSTRUMENT: 'BTCUSDT', QUOTE_CURRENCY: 'USDT', CONTRACT_CURRENCY: 'BTC', DENOMINATION_TYPE: 'VANILLA' });
    const recordedDay = recordedHour[0].QUOTE_VOLUME * 24;
    expect(Math.abs(tick.MOVING_24_HOUR_QUOTE_VOLUME! / recordedDay - 1)).toBeLessThanOrEqual(COINDESK_DRIFT.quoteVolume);
    // vanilla: base volume is in BTC = quote volume / price
    expect(tick.MOVING_24_HOUR_VOLUME!).toBeCloseTo(tick.MOVING_24_HOUR_QUOTE_VOLUME! / tick.PRICE!, 0);
    expect(tick.PRICE_LAST_UPDATE_TS).toBe(FROZEN_AT / 1000);
    expect(sim.log.last('coindesk')).toMatchObject({ path: TICK, query: { market: 'binance', instruments: 'BTC-USDT-VANILLA-PERPETUAL' } });
    expect(sim.log.last('coindesk')?.headers.authorization).toBe('Apikey cd-key-abcdef');
  });

  it('reads exchange-native names with CHECK_UNMAPPED_FIRST and only the groups asked for', async () => {
    const ticks = await coindesk.getFuturesLatestTick({ market: 'bitmex', instruments: ['XBTUSD'], groups: ['ID', 'MAPPING', 'MOVING_24_HOUR'], mappingPriority: 'CHECK_UNMAPPED_FIRST' });
    expect(Object.keys(ticks)).toEqual(['XBTUSD']);
    expect(ticks.XBTUSD).toMatchObject({ MARKET: 'bitmex', MAPPED_INSTRUMENT: 'BTC-USD-INVERSE-PERPETUAL', QUOTE_CURRENCY: 'USD', CONTRACT_CURRENCY: 'USD' });
    expect(ticks.XBTUSD.PRICE).toBeUndefined(); // VALUE group not asked for
    expect(ticks.XBTUSD.MOVING_24_HOUR_VOLUME).toBe(ticks.XBTUSD.MOVING_24_HOUR_QUOTE_VOLUME); // inverse: counted in USD
    expect(sim.log.last('coindesk')?.query).toMatchObject({ groups: 'ID,MAPPING,MOVING_24_HOUR', mapping_priority: 'CHECK_UNMAPPED_FIRST' });
  });

  it('leaves out instruments CoinDesk has no data for when others have some', async () => {
    const ticks = await coindesk.getFuturesLatestTick({ market: 'bybit', instruments: ['BTC-USDT-VANILLA-PERPETUAL', 'DOGE-USDT-VANILLA-PERPETUAL'] });
    expect(Object.keys(ticks)).toEqual(['BTC-USDT-VANILLA-PERPETUAL']);
  });

  it('fails with a 404 UpstreamError carrying the CoinDesk message when no instrument has data', async () => {
    const error = (await coindesk.getFuturesLatestTick({ market: 'okex', instruments: ['NOPE'] }).catch((caught: unknown) => caught)) as UpstreamError;
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ upstream: 'coindesk', kind: 'http', status: 404 });
    expect(error.message).toContain('No data for the requested instruments on okex');
  });

  it('fails with a 400 for an unknown market, without retrying', async () => {
    const before = sim.requests('coindesk', TICK);
    const error = (await coindesk.getFuturesLatestTick({ market: 'kraken', instruments: ['X'] }).catch((caught: unknown) => caught)) as UpstreamError;
    expect(error).toMatchObject({ kind: 'http', status: 400 });
    expect(error.message).toContain('We do not have futures market data for kraken');
    expect(sim.requests('coindesk', TICK)).toBe(before + 1);
  });

  it('fails one market only when a fault targets that market', async () => {
    sim.faults.set('coindesk', { kind: '500', status: 503 }, { path: TICK, query: { market: 'bitmex' } });
    await expect(coindesk.getFuturesLatestTick({ market: 'bitmex', instruments: ['XBTUSD'] })).rejects.toMatchObject({ status: 503 });
    await expect(coindesk.getFuturesLatestTick({ market: 'deribit', instruments: ['BTC-PERPETUAL'] })).resolves.toHaveProperty('BTC-PERPETUAL');
  });

  it('refuses an empty instrument list before calling', async () => {
    await expect(coindesk.getFuturesLatestTick({ market: 'binance', instruments: [] })).rejects.toMatchObject({ kind: 'validation' });
  });
});

describe('CoinDeskClient with error envelopes and changed payloads', () => {
  const KEY = 'cd-secret-key-987654';

  async function withRoute(handle: Parameters<typeof json>[0] | ((headers: Record<string, unknown>) => ReturnType<typeof json>), run: (client: CoinDeskClient) => Promise<void>) {
    const route = { path: TICK, handle: ({ headers }: { headers: Record<string, unknown> }) => (typeof handle === 'function' ? handle(headers) : json(handle)) };
    const sim = await startUpstreamSimulator({ seed: 1, routeModules: [{ ...coindeskRoutes, routes: [route] }] });
    try {
      const options = coinDeskHttpOptions({ baseUrl: sim.baseUrls.coindesk, apiKey: KEY, callsPerMinute: 600 });
      await run(new CoinDeskClient(new UpstreamHttpClient({ ...options, retries: 0, logger: quietLogger })));
    } finally {
      await sim.close();
    }
  }

  it('turns a 200 answer with an empty Data and an Err into an UpstreamError naming the Err', async () => {
    await withRoute({ Data: {}, Err: { type: 2, message: 'market not integrated', other_info: { param: 'market', values: ['bitmex'] } } }, async (client) => {
      const error = (await client.getFuturesLatestTick({ market: 'bitmex', instruments: ['XBTUSD'] }).catch((caught: unknown) => caught)) as UpstreamError;
      expect(error).toMatchObject({ kind: 'http', status: 200 });
      expect(error.message).toBe('coindesk: futures latest tick for bitmex returned no data: market not integrated (market: bitmex)');
    });
  });

  it('never shows the key, even when CoinDesk echoes it in a 401', async () => {
    await withRoute(
      (headers: Record<string, unknown>) => json({ Data: {}, Err: { type: 1, message: `invalid api key ${String(headers.authorization)}` } }, 401),
      async (client) => {
        const error = (await client.getFuturesLatestTick({ market: 'binance', instruments: ['BTCUSDT'] }).catch((caught: unknown) => caught)) as UpstreamError;
        expect(error).toMatchObject({ kind: 'http', status: 401 });
        expect(error.message).toContain('invalid api key');
        expect(error.message).not.toContain(KEY);
      },
    );
  });

  it('fails with kind validation on a changed tick shape', async () => {
    await withRoute({ Data: { BTCUSDT: { MOVING_24_HOUR_QUOTE_VOLUME: 'lots' } }, Err: {} }, async (client) => {
      const error = (await client.getFuturesLatestTick({ market: 'binance', instruments: ['BTCUSDT'] }).catch((caught: unknown) => caught)) as UpstreamError;
      expect(error).toMatchObject({ kind: 'validation' });
      expect(error.message).toContain('Data.BTCUSDT.MOVING_24_HOUR_QUOTE_VOLUME: expected number, received string');
    });
  });
});
