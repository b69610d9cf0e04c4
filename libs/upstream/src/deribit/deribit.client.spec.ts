import { loadConfig } from '@app/config';
import { DERIBIT_DRIFT, deribitRoutes, json, simulatedExpiries, startUpstreamSimulator, UpstreamSimulator } from '@app/simulator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UpstreamError } from '../contracts';
import { UpstreamHttpClient } from '../http/upstream-http-client';
import { UpstreamLogger } from '../logging/upstream-logger';
import { DeribitClient, deribitHttpOptions, DERIBIT_CALLS_PER_MINUTE } from './deribit.client';
import { schemaProblems } from '../validation/schema-problems';
import { DeribitBookSummary, deribitBookSummaryResponseSchema } from './deribit.schemas';

const fixture = <T>(file: string): T => JSON.parse(readFileSync(join(__dirname, '../../../simulator/fixtures/deribit', file), 'utf8')) as T;
const recordedFutures = fixture<DeribitBookSummary[]>('book-summary-BTC-future-result-subset.json');
const quietLogger: UpstreamLogger = { debug: () => undefined, log: () => undefined, warn: () => undefined };
const FROZEN_AT = Date.UTC(2026, 10, 21, 9, 0, 0);
const SUMMARY = '/public/get_book_summary_by_currency';

describe('Deribit payload validation (against the recorded real payloads)', () => {
  const bookSummaryProblems = (body: unknown) => schemaProblems(deribitBookSummaryResponseSchema, body);

  it('accepts the recorded option, perpetual and future book summaries', () => {
    expect(bookSummaryProblems(fixture('book-summary-by-currency-BTC-option-2022.json'))).toEqual([]);
    expect(bookSummaryProblems(fixture('book-summary-BTC-PERPETUAL-2022.json'))).toEqual([]);
    expect(bookSummaryProblems({ jsonrpc: '2.0', result: recordedFutures })).toEqual([]);
  });

  it('accepts a JSON-RPC error body (the client reports it) and names what is wrong otherwise', () => {
    expect(bookSummaryProblems({ jsonrpc: '2.0', error: { code: -32602, message: 'Invalid params' } })).toEqual([]);
    expect(bookSummaryProblems({ jsonrpc: '2.0', error: { code: 'x' } })).toEqual(['error.code: expected number, received string', 'error.message: expected string, received undefined']);
    expect(bookSummaryProblems({ jsonrpc: '2.0' })).toEqual(['result: missing']);
    expect(bookSummaryProblems({ jsonrpc: '2.0', result: {} })).toEqual(['result: expected array, received object']);
    expect(bookSummaryProblems([])).toEqual(['body: expected object, received array']);
    expect(bookSummaryProblems({ result: [{ instrument_name: 'BTC-X', creation_timestamp: 1, open_interest: '3' }] })).toEqual(['result[0].open_interest: expected number, received string']);
  });
});

describe('deribitHttpOptions', () => {
  it('takes the root from config and sends no key', () => {
    const options = deribitHttpOptions(loadConfig({}).upstreams.deribit);
    expect(options).toMatchObject({ name: 'deribit', baseUrl: 'https://www.deribit.com/api/v2', budget: { callsPerMinute: DERIBIT_CALLS_PER_MINUTE } });
    expect(options.headers).toBeUndefined();
  });
});

describe('DeribitClient against the simulator', () => {
  let sim: UpstreamSimulator;
  let deribit: DeribitClient;

  beforeAll(async () => {
    sim = await startUpstreamSimulator({ seed: 2024 });
    sim.clock.freeze(FROZEN_AT);
    deribit = new DeribitClient(new UpstreamHttpClient({ ...deribitHttpOptions({ baseUrl: sim.baseUrls.deribit }), retries: 0, logger: quietLogger }));
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.faults.clear());

  it('exposes its budget', () => {
    expect(deribit).toMatchObject({ upstream: 'deribit', callsPerMinute: DERIBIT_CALLS_PER_MINUTE });
  });

  it('reads the BTC option chain: 5 strikes × call/put per listed expiry, in BTC, with underlying prices', async () => {
    const rows = await deribit.getBookSummaryByCurrency('BTC', 'option');
    expect(rows).toHaveLength(simulatedExpiries(FROZEN_AT).length * 10);
    expect(sim.log.last('deribit')).toMatchObject({ path: SUMMARY, query: { currency: 'BTC', kind: 'option' } });
    const index = recordedFutures[0].estimated_delivery_price!;
    for (const row of rows) {
      expect(row.instrument_name).toMatch(/^BTC-\d{1,2}[A-Z]{3}\d{2}-\d+-[CP]$/);
      expect(row).toMatchObject({ base_currency: 'BTC', quote_currency: 'BTC', creation_timestamp: FROZEN_AT });
      expect(row.open_interest).toBeGreaterThanOrEqual(0);
      expect(Math.abs(row.estimated_delivery_price! / index - 1)).toBeLessThanOrEqual(DERIBIT_DRIFT.index);
      expect(row.underlying_price!).toBeGreaterThan(row.estimated_delivery_price!); // contango
    }
  });

  it('reads the recorded future rows with kind=future', async () => {
    const rows = await deribit.getBookSummaryByCurrency('BTC', 'future');
    expect(rows.map((row) => row.instrument_name)).toEqual(recordedFutures.map((row) => row.instrument_name));
    rows.forEach((row, i) => expect(Math.abs(row.open_interest / recordedFutures[i].open_interest - 1)).toBeLessThanOrEqual(DERIBIT_DRIFT.openInterest));
  });

  it('fails with a 400 UpstreamError carrying the JSON-RPC error, without retrying', async () => {
    const before = sim.requests('deribit');
    const error = (await deribit.getBookSummaryByCurrency('DOGE' as 'BTC', 'option').catch((caught: unknown) => caught)) as UpstreamError;
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ upstream: 'deribit', kind: 'http', status: 400 });
    expect(error.message).toContain('Invalid params');
    expect(error.message).toContain('"param":"currency"');
    expect(sim.requests('deribit')).toBe(before + 1);
  });

  it('reports a 5xx after its retries', async () => {
    sim.faults.set('deribit', { kind: '500', status: 502 }, { path: SUMMARY });
    await expect(deribit.getBookSummaryByCurrency('BTC', 'option')).rejects.toMatchObject({ kind: 'http', status: 502 });
  });
});

describe('DeribitClient with a JSON-RPC error inside HTTP 200 or a changed payload', () => {
  async function withBody(body: unknown, run: (client: DeribitClient) => Promise<void>) {
    const sim = await startUpstreamSimulator({ seed: 1, routeModules: [{ ...deribitRoutes, routes: [{ path: SUMMARY, handle: () => json(body) }] }] });
    try {
      await run(new DeribitClient(new UpstreamHttpClient({ ...deribitHttpOptions({ baseUrl: sim.baseUrls.deribit }), retries: 0, logger: quietLogger })));
    } finally {
      await sim.close();
    }
  }

  it('turns { error: { code, message } } into an UpstreamError', async () => {
    await withBody({ jsonrpc: '2.0', error: { code: 10028, message: 'too_many_requests' }, testnet: false }, async (client) => {
      const error = (await client.getBookSummaryByCurrency('BTC', 'option').catch((caught: unknown) => caught)) as UpstreamError;
      expect(error).toMatchObject({ kind: 'http', status: 200 });
      expect(error.message).toBe('deribit: get_book_summary_by_currency(BTC, option) failed: too_many_requests (code 10028)');
    });
  });

  it('fails with kind validation when a row lost its open interest', async () => {
    await withBody({ jsonrpc: '2.0', result: [{ instrument_name: 'BTC-1JAN27-90000-C', creation_timestamp: 1 }] }, async (client) => {
      const error = (await client.getBookSummaryByCurrency('BTC', 'option').catch((caught: unknown) => caught)) as UpstreamError;
      expect(error).toMatchObject({ kind: 'validation' });
      expect(error.message).toContain('result[0].open_interest: expected number, received undefined');
    });
  });
});
