import { parseNumericString, toNumeric } from './numeric';

describe('parseNumericString', () => {
  it.each([
    ['42', 42],
    ['-3.5', -3.5],
    ['+7', 7],
    ['0.000123', 0.000123],
    ['.5', 0.5],
    ['52.34', 52.34],
    ['$2,345,678,901', 2345678901],
    ['52.34 %', 52.34],
    ['17.89%', 17.89],
    ['1,234,567,890 USD', 1234567890],
    ['123,456,789 usd', 123456789],
    ['-$1,234.50', -1234.5],
    ['$-1,234.50', -1234.5],
    ['€ 99', 99],
    ['  12  ', 12],
    ['1.5e9', 1.5e9],
    ['2E-3', 0.002],
    ['1234567890123456789', 1234567890123456789],
    ['0.1234567890123456789', 0.1234567890123456789],
  ])('reads %j as %d', (text, expected) => {
    expect(parseNumericString(text)).toBe(expected);
  });

  it('is correctly rounded like Number() on the fast path', () => {
    for (const text of ['0.1', '0.3', '1.005', '123456.789', '99999999999999.9', '0.000000000000000000001']) {
      expect(parseNumericString(text)).toBe(Number(text));
    }
  });

  it.each([
    [''],
    ['   '],
    ['abc'],
    ['$'],
    ['.'],
    ['N/A'],
    ['24h'],
    ['7d'],
    ['0x10'],
    ['Infinity'],
    ['1,2'],
    ['12,34,567'],
    ['1234,567'],
    [',123'],
    ['1,234,'],
    ['1e'],
    ['12 USD extra'],
    ['BTC-USDT-VANILLA-PERPETUAL'],
    ['--5'],
    ['-$-5'],
    ['5%%'],
  ])('rejects %j', (text) => {
    expect(parseNumericString(text)).toBeNaN();
  });
});

describe('toNumeric', () => {
  it('passes numbers through, parses strings, and refuses other types', () => {
    expect(toNumeric(3)).toBe(3);
    expect(toNumeric('$3')).toBe(3);
    expect(toNumeric(true)).toBeNaN();
    expect(toNumeric(null)).toBeNaN();
    expect(toNumeric(undefined)).toBeNaN();
  });
});
