import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BinanceInterval, BinanceKline, BinanceKlineQuery, BinanceKlinesApi, parseKlineRow } from '@app/upstream';
import { BinanceKlineSource } from './binance-kline.source';
import { formatAmount } from './flow-decimal';
import { mergeVenues } from './flow-ingestor';
import { TrackedToken } from './tracked-tokens';
import { WINDOW_BY_MINUTES } from './windows';

const recorded = (JSON.parse(readFileSync(join(__dirname, '../../../../libs/simulator/fixtures/binance/fapi-v1-klines-BTCUSDT-5m-2rows.json'), 'utf8')) as unknown[][]).map(parseKlineRow);
const btc: TrackedToken = { vsTokenId: 1, symbol: 'BTC', name: 'Bitcoin', spotPair: 'BTCUSDT', futuresPair: 'BTCUSDT' };
const m5 = WINDOW_BY_MINUTES.get(5)!;

/** Answers with the recorded rows and remembers what was asked. */
class RecordedFutures implements BinanceKlinesApi {
  readonly market = 'futures' as const;
  readonly upstream = 'binance-futures';
  readonly callsPerMinute = 300;
  readonly calls: Array<{ symbol: string; interval: BinanceInterval; query?: BinanceKlineQuery }> = [];
  constructor(private readonly rows: BinanceKline[]) {}
  async getKlines(symbol: string, interval: BinanceInterval, query?: BinanceKlineQuery) {
    this.calls.push({ symbol, interval, query });
    return this.rows;
  }
}

describe('BinanceKlineSource (recorded USD-M BTCUSDT 5m rows)', () => {
  // the second recorded bar [23:05, 23:10) UTC+8 is still open at 23:09
  const nowMs = 1616339100000 + 4 * 60_000;

  it('asks for the bars after the newest stored point and drops the bar still open', async () => {
    const api = new RecordedFutures(recorded);
    const source = new BinanceKlineSource(api);
    expect([source.market, source.venue]).toEqual(['contract', 'binance-usdm']);
    const points = await source.fetchPoints(btc, m5, 1616339100000 - 5 * 60_000, nowMs);
    expect(api.calls).toEqual([{ symbol: 'BTCUSDT', interval: '5m', query: { startTime: 1616338800000, limit: 2 } }]);
    expect(points.map((point) => [point.time, formatAmount(point.inflow), formatAmount(point.amount)])).toEqual([[1616339100000, '2859732.60496', '28425514.7894']]);
  });

  it('backfills a full retention when nothing is stored, and asks nothing when up to date', async () => {
    const api = new RecordedFutures(recorded);
    const source = new BinanceKlineSource(api);
    await source.fetchPoints(btc, m5, undefined, nowMs);
    expect(api.calls[0].query).toEqual({ startTime: 1616339100000 - 100 * 5 * 60_000, limit: 101 });
    expect(await source.fetchPoints(btc, m5, 1616339100000, nowMs)).toEqual([]);
    expect(api.calls).toHaveLength(1);
    expect(source.covers({ ...btc, futuresPair: undefined })).toBe(false);
  });

  it('sums venues per instant and keeps only instants every venue has', () => {
    const a = [{ time: 1, inflow: 5n, amount: 10n }, { time: 2, inflow: -1n, amount: 4n }];
    const b = [{ time: 1, inflow: -2n, amount: 3n }];
    expect(mergeVenues([a, b])).toEqual([{ time: 1, inflow: 3n, amount: 13n }]);
    expect(mergeVenues([a])).toBe(a);
  });
});
