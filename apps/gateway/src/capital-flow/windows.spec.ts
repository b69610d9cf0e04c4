import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseKlineRow } from '@app/upstream';
import { klineToPoint } from './binance-kline.source';
import { formatAmount, parseAmount } from './flow-decimal';
import { PointSeries } from './point-series';
import { buildSnapshot, isEmptySnapshot, SeriesLookup } from './snapshot';
import { TrackedToken } from './tracked-tokens';
import { floorToGrid, floorToStep, formatUtc8, isOnGrid, latestClosedInstant, STAT_WINDOWS, StatWindow, WINDOW_BY_MINUTES } from './windows';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const w = (minutes: number): StatWindow => WINDOW_BY_MINUTES.get(minutes)!;
/** an instant written in UTC+8, as the seed's FAQ speaks */
const utc8 = (text: string) => Date.parse(`${text}:00+08:00`);

const recorded5m = JSON.parse(readFileSync(join(__dirname, '../../../../libs/simulator/fixtures/binance/fapi-v1-klines-BTCUSDT-5m-2rows.json'), 'utf8')) as unknown[][];

describe('flow amounts', () => {
  it('parses and prints decimals exactly', () => {
    expect(formatAmount(parseAmount('15642623.69718'))).toBe('15642623.69718');
    expect(formatAmount(parseAmount('-0.00000001'))).toBe('-0.00000001');
    expect(formatAmount(parseAmount('28425514.78940'))).toBe('28425514.7894');
    expect(formatAmount(parseAmount('12'))).toBe('12');
    expect(() => parseAmount('1e5')).toThrow(/not a decimal/);
  });
});

describe('window grids (UTC+8)', () => {
  it('floors a date to whole 5 minutes (FAQ: 18:16 → 18:15)', () => {
    expect(formatUtc8(floorToStep(utc8('2026-04-01T18:16')))).toBe('2026-04-01 18:15');
    expect(floorToStep(utc8('2026-04-01T18:15'))).toBe(utc8('2026-04-01T18:15'));
    expect(floorToStep(utc8('2026-04-01T18:19') + 59_999)).toBe(utc8('2026-04-01T18:15'));
  });

  it('puts the daily grid at 08:00 UTC+8 and the 12-hour grid at 08:00 / 20:00', () => {
    expect(formatUtc8(floorToGrid(utc8('2026-04-01T18:16'), DAY))).toBe('2026-04-01 08:00');
    expect(formatUtc8(floorToGrid(utc8('2026-04-01T07:59'), DAY))).toBe('2026-03-31 08:00');
    expect(formatUtc8(floorToGrid(utc8('2026-04-01T18:16'), 12 * HOUR))).toBe('2026-04-01 08:00');
    expect(formatUtc8(floorToGrid(utc8('2026-04-01T21:00'), 12 * HOUR))).toBe('2026-04-01 20:00');
    expect(formatUtc8(floorToGrid(utc8('2026-04-01T18:16'), 4 * HOUR))).toBe('2026-04-01 16:00');
    expect(formatUtc8(floorToGrid(utc8('2026-04-01T18:16'), 30 * MIN))).toBe('2026-04-01 18:00');
    expect(isOnGrid(utc8('2026-04-01T08:00'), DAY)).toBe(true);
    expect(isOnGrid(utc8('2026-04-01T00:00'), DAY)).toBe(false);
  });

  it('gives the newest closed instant of each window', () => {
    const now = utc8('2026-04-01T18:16');
    expect(STAT_WINDOWS.map((window) => formatUtc8(latestClosedInstant(now, window)))).toEqual([
      '2026-04-01 18:15',
      '2026-04-01 18:15',
      '2026-04-01 18:00',
      '2026-04-01 18:00',
      '2026-04-01 16:00',
      '2026-04-01 08:00',
      '2026-04-01 08:00',
    ]);
  });
});

describe('klines → points (recorded Binance USD-M BTCUSDT 5m rows, 2021-03-21)', () => {
  it('puts a kline at its close instant with inflow = 2 × takerBuyQuote − quote', () => {
    const [first, second] = recorded5m.map((row) => klineToPoint(parseKlineRow(row), w(5)));
    // 2 × 15642623.69718 − 28425514.78940
    expect({ time: first.time, inflow: formatAmount(first.inflow), amount: formatAmount(first.amount) }).toEqual({
      time: 1616339100000,
      inflow: '2859732.60496',
      amount: '28425514.7894',
    });
    // 2 × 3457649.49072 − 10009130.07051
    expect({ time: second.time, inflow: formatAmount(second.inflow), amount: formatAmount(second.amount) }).toEqual({
      time: 1616339400000,
      inflow: '-3093831.08907',
      amount: '10009130.07051',
    });
    expect(formatUtc8(first.time)).toBe('2021-03-21 23:05');
  });
});

describe('PointSeries retention', () => {
  const point = (time: number, inflow = 0n) => ({ time, inflow, amount: 0n });

  it('keeps the latest 100 points and evicts the oldest', () => {
    const series = new PointSeries();
    const start = utc8('2026-04-01T08:00');
    for (let i = 0; i < 101; i++) series.put(point(start + i * 5 * MIN));
    expect(series.size).toBe(100);
    expect(series.oldest!.time).toBe(start + 5 * MIN);
    expect(series.latest!.time).toBe(start + 100 * 5 * MIN);
    // a point older than the retained range is ignored; a retained one is replaced in place
    expect(series.put(point(start))).toBe(false);
    expect(series.put(point(start + 50 * 5 * MIN, 7n))).toBe(true);
    expect(series.size).toBe(100);
    expect(series.pointFor(start + 50 * 5 * MIN + 1)!.inflow).toBe(7n);
  });

  it('inserts out of order and serves at-or-before, else the boundary', () => {
    const series = new PointSeries(3);
    series.put(point(30));
    series.put(point(10));
    series.put(point(20));
    expect(series.points().map((p) => p.time)).toEqual([10, 20, 30]);
    expect(series.pointFor(25)!.time).toBe(20);
    expect(series.pointFor(30)!.time).toBe(30);
    expect(series.pointFor(99)!.time).toBe(30);
    expect(series.pointFor(5)!.time).toBe(10);
    expect(new PointSeries().pointFor(5)).toBeUndefined();
  });
});

describe('buildSnapshot (seed 002 query semantics and FAQ)', () => {
  const btc: TrackedToken = { vsTokenId: 1, symbol: 'BTC', name: 'Bitcoin', spotPair: 'BTCUSDT', futuresPair: 'BTCUSDT' };
  const now = utc8('2026-04-01T18:20');

  /**
   * Full retentions ending at `now`: the point of window W at instant T has inflow = T/W-index (minutes of T since
   * 2026-01-01 08:00 UTC+8 divided by W, minus 1000) and amount = 10 × W, so every served value names its instant.
   */
  function fullSeries(markets: Array<'spot' | 'contract'> = ['spot', 'contract']): SeriesLookup {
    const origin = utc8('2026-01-01T08:00');
    const table = new Map<string, PointSeries>();
    for (const market of markets) {
      for (const window of STAT_WINDOWS) {
        const series = new PointSeries();
        const newest = latestClosedInstant(now, window);
        for (let i = 99; i >= 0; i--) {
          const time = newest - i * window.ms;
          series.put({ time, inflow: parseAmount(String((time - origin) / window.ms - 1000)) * (market === 'spot' ? 1n : -1n), amount: parseAmount(String(10 * window.minutes)) });
        }
        table.set(`${market}:${window.minutes}`, series);
      }
    }
    return (market, window) => table.get(`${market}:${window.minutes}`);
  }

  const instantOf = (inflow: string, window: StatWindow) => utc8('2026-01-01T08:00') + (Number(inflow) + 1000) * window.ms;

  it('FAQ 1: Apr 1 18:16 serves 18:15 (in retention) and says so in updateTime', () => {
    const snapshot = buildSnapshot(btc, utc8('2026-04-01T18:16'), fullSeries());
    expect(formatUtc8(snapshot.updateTime)).toBe('2026-04-01 18:15');
    const served = snapshot.spotGoodsList.map((item) => [item.timeRange, formatUtc8(instantOf(item.tradeInflow, w(item.timeParticleEnum)))]);
    expect(served).toEqual([
      ['m5', '2026-04-01 18:15'],
      ['m15', '2026-04-01 18:15'],
      ['m30', '2026-04-01 18:00'],
      ['h1', '2026-04-01 18:00'],
      ['h4', '2026-04-01 16:00'],
      ['h12', '2026-04-01 08:00'],
      // FAQ 3: the daily window gives the same-day 08:00
      ['h24', '2026-04-01 08:00'],
    ]);
    expect(snapshot.spotGoodsList[0]).toEqual({ timeRange: 'm5', timeParticleEnum: 5, tradeInflow: expect.any(String), tradeAmount: '50' });
  });

  it('FAQ 2: an instant older than a window retention serves that window oldest point (the boundary)', () => {
    // 2 days back: outside m5 (8h15m back) and m15 (24h45m back); inside m30 (49h30m back) and longer
    const snapshot = buildSnapshot(btc, utc8('2026-03-30T18:16'), fullSeries());
    const served = Object.fromEntries(snapshot.spotGoodsList.map((item) => [item.timeRange, formatUtc8(instantOf(item.tradeInflow, w(item.timeParticleEnum)))]));
    expect(served).toEqual({
      m5: '2026-04-01 10:05', // 18:15 − 99 × 5 min
      m15: '2026-03-31 17:30', // 18:15 − 99 × 15 min
      m30: '2026-03-30 18:00', // inside: oldest is 18:00 − 99 × 30 min = Mar 30 16:30
      h1: '2026-03-30 18:00',
      h4: '2026-03-30 16:00',
      h12: '2026-03-30 08:00',
      h24: '2026-03-30 08:00',
    });
    expect(formatUtc8(snapshot.updateTime)).toBe('2026-03-30 18:00');
  });

  it('FAQ 2: day 101 on the daily window returns its oldest retained day', () => {
    const snapshot = buildSnapshot(btc, utc8('2026-04-01T18:16') - 101 * DAY, fullSeries());
    const h24 = snapshot.spotGoodsList.find((item) => item.timeRange === 'h24')!;
    expect(formatUtc8(instantOf(h24.tradeInflow, w(1440)))).toBe('2025-12-23 08:00'); // Apr 1 − 99 days
    // every window served its boundary: updateTime is the earliest of them
    expect(formatUtc8(snapshot.updateTime)).toBe('2025-12-23 08:00');
  });

  it('takes the max net inflow per market and serialises ids and amounts as strings', () => {
    const snapshot = buildSnapshot(btc, utc8('2026-04-01T18:16'), fullSeries());
    const spotInflows = snapshot.spotGoodsList.map((item) => Number(item.tradeInflow));
    const contractInflows = snapshot.contractList.map((item) => Number(item.tradeInflow));
    expect(snapshot.spotMaxInflow).toBe(String(Math.max(...spotInflows)));
    expect(snapshot.contractMaxInflow).toBe(String(Math.max(...contractInflows)));
    // h24 at Apr 1 08:00 is day 90 since Jan 1 → 90 − 1000 = −910; m5 at 18:15 is the largest index
    expect(snapshot.contractMaxInflow).toBe('910');
    expect(snapshot.vsTokenId).toBe('1');
    expect(typeof snapshot.updateTime).toBe('number');
  });

  it('leaves out windows without points and says which markets the token has', () => {
    const partial: SeriesLookup = (market, window) => {
      if (market !== 'spot' || window.minutes > 15) return undefined;
      const series = new PointSeries();
      series.put({ time: utc8('2026-04-01T18:15'), inflow: parseAmount('-5.5'), amount: parseAmount('100') });
      return series;
    };
    const spotOnly: TrackedToken = { vsTokenId: 11, symbol: 'FDUSD', name: 'First Digital USD', spotPair: 'FDUSDUSDT' };
    const snapshot = buildSnapshot(spotOnly, utc8('2026-04-01T18:16'), partial);
    expect(snapshot).toEqual({
      updateTime: utc8('2026-04-01T18:15'),
      vsTokenId: '11',
      symbol: 'FDUSD',
      name: 'First Digital USD',
      hasSpotGoods: true,
      spotMaxInflow: '-5.5',
      spotGoodsList: [
        { timeRange: 'm5', timeParticleEnum: 5, tradeInflow: '-5.5', tradeAmount: '100' },
        { timeRange: 'm15', timeParticleEnum: 15, tradeInflow: '-5.5', tradeAmount: '100' },
      ],
      hasContract: false,
      contractMaxInflow: '0',
      contractList: [],
    });
    // no point anywhere: still strings where the seed types strings, and isEmptySnapshot says there is nothing
    const empty = buildSnapshot(btc, utc8('2026-04-01T18:16'), () => undefined);
    expect(empty).toMatchObject({ spotGoodsList: [], spotMaxInflow: '0', contractMaxInflow: '0', updateTime: utc8('2026-04-01T18:15') });
    expect(isEmptySnapshot(empty)).toBe(true);
    expect(isEmptySnapshot(snapshot)).toBe(false);
  });

  it('serves the newest points for a date in the future', () => {
    const snapshot = buildSnapshot(btc, now + 7 * DAY, fullSeries());
    expect(formatUtc8(snapshot.updateTime)).toBe('2026-04-01 18:20');
  });
});
