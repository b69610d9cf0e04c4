import { parseTimeframeSeconds, toEpochSeconds } from './time';

describe('toEpochSeconds', () => {
  it('keeps seconds and converts milliseconds (above 1e11)', () => {
    expect(toEpochSeconds(1719878400)).toBe(1719878400);
    expect(toEpochSeconds(1719878400000)).toBe(1719878400);
    expect(toEpochSeconds(1719878400500)).toBe(1719878400.5);
    expect(toEpochSeconds(1640995200.0)).toBe(1640995200);
  });

  it('reads numeric strings in either unit', () => {
    expect(toEpochSeconds('1719878400')).toBe(1719878400);
    expect(toEpochSeconds(' 1719882000000 ')).toBe(1719882000);
  });

  it('reads ISO-8601 dates, treating a date-time without offset as UTC', () => {
    expect(toEpochSeconds('2024-07-02')).toBe(1719878400);
    expect(toEpochSeconds('2024-07-02T00:00:00Z')).toBe(1719878400);
    expect(toEpochSeconds('2024-07-02T01:00:00')).toBe(1719882000);
    expect(toEpochSeconds('2024-07-02 01:00')).toBe(1719882000);
    expect(toEpochSeconds('2024-07-02T03:00:00+02:00')).toBe(1719882000);
    expect(toEpochSeconds(new Date(1719878400000))).toBe(1719878400);
  });

  it('returns NaN for anything else', () => {
    for (const value of ['', 'yesterday', 'BTC 1', '0x10', 'NaN', NaN, Infinity, null, undefined, true, {}, []]) {
      expect(toEpochSeconds(value)).toBeNaN();
    }
  });
});

describe('parseTimeframeSeconds', () => {
  it.each([
    ['30m', 1800],
    ['1h', 3600],
    ['24h', 86400],
    ['7d', 604800],
    ['30d', 2592000],
    ['2w', 1209600],
    ['1y', 31536000],
    [' 7D ', 604800],
  ])('%j is %d seconds', (text, seconds) => {
    expect(parseTimeframeSeconds(text)).toBe(seconds);
  });

  it.each([['0d'], ['7'], ['d'], ['7x'], ['-1d'], ['1.5h'], ['7 days'], ['']])('rejects %j', (text) => {
    expect(parseTimeframeSeconds(text)).toBeNaN();
  });
});
