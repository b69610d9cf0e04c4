import { shiftSeries, shiftSeriesToEnd, shiftToEndDelta, unixMsPairTime, unixSecondsDateTime, unixSecondsStringDateTime } from './time-series';

describe('time-series shifting', () => {
  const hour = 3_600_000;

  it('moves a [ms, value] series so the last point is now, keeping spacing and values', () => {
    const recorded: Array<[number, number]> = [
      [1673557267838, 18975.99],
      [1673557267838 + hour, 18854.62],
      [1673557267838 + 2 * hour, 18925.36],
    ];
    const now = Date.UTC(2026, 1, 3, 12, 34, 56);
    const shifted = shiftSeriesToEnd(recorded, now, unixMsPairTime);
    expect(shifted.map(([ms]) => ms)).toEqual([now - 2 * hour, now - hour, now]);
    expect(shifted.map(([, value]) => value)).toEqual([18975.99, 18854.62, 18925.36]);
    expect(recorded[2][0]).toBe(1673557267838 + 2 * hour); // input untouched
  });

  it('keeps sibling series aligned when they share one delta', () => {
    const prices: Array<[number, number]> = [[1000, 1], [2000, 2]];
    const caps: Array<[number, number]> = [[1000, 10], [2000, 20]];
    const delta = shiftToEndDelta(2000, 50_000);
    expect(shiftSeries(prices, delta, unixMsPairTime).map(([ms]) => ms)).toEqual(shiftSeries(caps, delta, unixMsPairTime).map(([ms]) => ms));
  });

  it('aligns a daily DefiLlama series (date = unix seconds as a string) to 00:00 UTC', () => {
    const day = 86_400_000;
    const recorded = [{ date: '1609372800', totalCirculatingUSD: { peggedUSD: 1 } }, { date: '1609459200', totalCirculatingUSD: { peggedUSD: 2 } }];
    const now = Date.UTC(2026, 4, 17, 15, 0, 0);
    const shifted = shiftSeriesToEnd(recorded, now, unixSecondsStringDateTime, day);
    expect(shifted.map((point) => point.date)).toEqual([String((Date.UTC(2026, 4, 16)) / 1000), String(Date.UTC(2026, 4, 17) / 1000)]);
    expect(shifted[1].totalCirculatingUSD).toEqual({ peggedUSD: 2 });
  });

  it('handles numeric unix-second dates and empty series', () => {
    expect(shiftSeriesToEnd([{ date: 100 }, { date: 200 }], 1_000_000, unixSecondsDateTime)).toEqual([{ date: 900 }, { date: 1000 }]);
    expect(shiftSeriesToEnd([], 1_000_000, unixSecondsDateTime)).toEqual([]);
  });
});
