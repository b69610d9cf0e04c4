import { startUpstreamSimulator, UpstreamSimulator } from '@app/simulator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UpstreamError } from '../contracts';
import { UpstreamHttpClient } from '../http/upstream-http-client';
import { UpstreamLogger } from '../logging/upstream-logger';
import { schemaProblems } from '../validation/schema-problems';
import { BinanceFuturesKlinesClient, binanceHttpOptions, BinanceSpotKlinesClient, parseKlineRow } from './binance.client';
import { binanceKlinesSchema } from './binance.schemas';

const fixture = (file: string): unknown[][] => JSON.parse(readFileSync(join(__dirname, '../../../simulator/fixtures/binance', file), 'utf8')) as unknown[][];
const quietLogger: UpstreamLogger = { debug: () => undefined, log: () => undefined, warn: () => undefined };

describe('Binance kline rows (recorded USD-M payloads)', () => {
  const klineRowsProblems = (body: unknown) => schemaProblems(binanceKlinesSchema, body);

  it('accepts and names the columns of the recorded rows', () => {
    expect(klineRowsProblems(fixture('fapi-v1-klines-BTCUSDT-5m-2rows.json'))).toEqual([]);
    expect(klineRowsProblems(fixture('fapi-v1-klines-BTCUSDT-1m-1row.json'))).toEqual([]);
    expect(parseKlineRow(fixture('fapi-v1-klines-BTCUSDT-1m-1row.json')[0])).toEqual({
      openTime: 1731448080000,
      open: '88591.90',
      high: '88630.90',
      low: '88560.00',
      close: '88574.10',
      volume: '173.581',
      closeTime: 1731448139999,
      quoteVolume: '15378315.48720',
      trades: 2800,
      takerBuyBaseVolume: '113.654',
      takerBuyQuoteVolume: '10069629.84420',
    });
  });

  it('names what is wrong in a changed payload', () => {
    const [row] = fixture('fapi-v1-klines-BTCUSDT-5m-2rows.json');
    expect(klineRowsProblems({ code: -1121, msg: 'Invalid symbol.' })).toEqual(['body: expected array, received object']);
    expect(klineRowsProblems([row.slice(0, 6)])).toContain('[0][6]: expected closeTime as an integer');
    const numeric = [...row];
    numeric[7] = 28425514.7894; // a number instead of Binance's decimal string
    expect(klineRowsProblems([row, numeric])).toEqual(['[1][7]: expected quoteVolume as a decimal string']);
    numeric[7] = '1e5';
    expect(klineRowsProblems([numeric])).toEqual(['[0][7]: expected quoteVolume as a decimal string']);
    expect(klineRowsProblems([[...row, 'a new column']])).toEqual([]);
  });
});

describe('BinanceKlinesClient against the simulator', () => {
  let simulator: UpstreamSimulator;
  const now = Date.UTC(2026, 3, 1, 10, 17, 30);
  const settings = () => ({ spotBaseUrl: simulator.baseUrls.binance, futuresBaseUrl: simulator.baseUrls.binance });
  const client = (market: 'spot' | 'futures') => {
    const http = new UpstreamHttpClient({ ...binanceHttpOptions(settings(), market), retries: 0, logger: quietLogger });
    return market === 'spot' ? new BinanceSpotKlinesClient(http) : new BinanceFuturesKlinesClient(http);
  };

  beforeAll(async () => {
    simulator = await startUpstreamSimulator({ seed: 11 });
    simulator.clock.freeze(now);
  });
  afterAll(() => simulator.close());

  it('asks the right host path and gets aligned rows, the last one still open', async () => {
    const rows = await client('futures').getKlines('BTCUSDT', '5m', { limit: 3 });
    expect(simulator.requests('binance', '/fapi/v1/klines')).toBe(1);
    expect(rows.map((row) => row.openTime)).toEqual([Date.UTC(2026, 3, 1, 10, 5), Date.UTC(2026, 3, 1, 10, 10), Date.UTC(2026, 3, 1, 10, 15)]);
    expect(rows[2].closeTime).toBe(Date.UTC(2026, 3, 1, 10, 20) - 1);
    const spot = await client('spot').getKlines('BTCUSDT', '1h', { startTime: Date.UTC(2026, 3, 1, 8), limit: 2 });
    expect(simulator.requests('binance', '/api/v3/klines')).toBe(1);
    expect(spot.map((row) => row.openTime)).toEqual([Date.UTC(2026, 3, 1, 8), Date.UTC(2026, 3, 1, 9)]);
  });

  it('serves a 1h kline equal to the sum of its twelve 5m klines, as the exchange does', async () => {
    const [hour] = await client('spot').getKlines('ETHUSDT', '1h', { startTime: Date.UTC(2026, 3, 1, 8), limit: 1 });
    const bars = await client('spot').getKlines('ETHUSDT', '5m', { startTime: Date.UTC(2026, 3, 1, 8), limit: 12 });
    const cents = (text: string) => Math.round(Number(text) * 100);
    expect(cents(hour.quoteVolume)).toBe(bars.reduce((sum, bar) => sum + cents(bar.quoteVolume), 0));
    expect(cents(hour.takerBuyQuoteVolume)).toBe(bars.reduce((sum, bar) => sum + cents(bar.takerBuyQuoteVolume), 0));
    expect(hour.trades).toBe(bars.reduce((sum, bar) => sum + bar.trades, 0));
    expect(hour.open).toBe(bars[0].open);
    expect(hour.close).toBe(bars[11].close);
  });

  it("fails with Binance's own 400 for an unknown symbol or a spot-only token on futures", async () => {
    await expect(client('futures').getKlines('FDUSDUSDT', '5m')).rejects.toMatchObject({ status: 400 });
    await expect(client('spot').getKlines('NOPEUSDT', '5m')).rejects.toBeInstanceOf(UpstreamError);
    await expect(client('spot').getKlines('FDUSDUSDT', '5m', { limit: 1 })).resolves.toHaveLength(1);
    const response = await fetch(`${simulator.baseUrls.binance}/api/v3/klines?symbol=BTCUSDT&interval=7m`);
    expect([response.status, await response.json()]).toEqual([400, { code: -1120, msg: 'Invalid interval.' }]);
  });
});
