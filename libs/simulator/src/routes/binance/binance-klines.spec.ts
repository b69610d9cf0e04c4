import { startUpstreamSimulator, type UpstreamSimulator } from '../../index';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('simulated Binance klines', () => {
  let simulator: UpstreamSimulator;
  const now = Date.UTC(2026, 3, 1, 10, 11);
  beforeAll(async () => {
    simulator = await startUpstreamSimulator({ seed: 5 });
    simulator.clock.freeze(now);
  });
  afterAll(() => simulator.close());

  const klines = async (interval: string, startTime: number, limit: number) => {
    const url = `${simulator.baseUrls.binance}/api/v3/klines?symbol=BTCUSDT&interval=${interval}&startTime=${startTime}&limit=${limit}`;
    return (await (await fetch(url)).json()) as [number, string, string, string, string, string, number, string, number, string, string, string][];
  };
  const quoteVolume = (rows: Awaited<ReturnType<typeof klines>>) => rows.reduce((sum, row) => sum + Math.round(Number(row[7]) * 100), 0);
  const trades = (rows: Awaited<ReturnType<typeof klines>>) => rows.reduce((sum, row) => sum + row[8], 0);

  it('sums a day of closed hours and an hour of closed 5-minute bars exactly, whichever is asked first', async () => {
    const day = Math.floor(now / DAY) * DAY - 3 * DAY;
    // the daily kline first (its hours are built without keeping their bars), then the hours and bars it is made of
    const [daily] = await klines('1d', day, 1);
    const hours = await klines('1h', day, 24);
    expect(hours).toHaveLength(24);
    expect(Math.round(Number(daily[7]) * 100)).toBe(quoteVolume(hours));
    expect(daily[8]).toBe(trades(hours));
    for (const hour of [hours[0], hours[13]]) {
      const bars = await klines('5m', hour[0], 12);
      expect(Math.round(Number(hour[7]) * 100)).toBe(quoteVolume(bars));
      expect(hour[8]).toBe(trades(bars));
      expect([hour[1], hour[4]]).toEqual([bars[0][1], bars[11][4]]); // open of the first bar, close of the last
    }
    // asked again: the same rows
    expect(await klines('1d', day, 1)).toEqual([daily]);
  });
});
