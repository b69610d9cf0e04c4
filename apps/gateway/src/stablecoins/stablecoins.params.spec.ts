import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { parseListParam } from './list-param';
import { ComparativePriceParams, DistributionParams, MainTableParams } from './stablecoins.params';

function validate<T extends object>(type: new () => T, raw: Record<string, unknown>): { value: T; invalid: string[] } {
  const value = plainToInstance(type, raw);
  const errors = validateSync(value, { whitelist: true, forbidNonWhitelisted: true });
  return { value, invalid: errors.map((error) => error.property) };
}

describe('list params', () => {
  it('reads comma lists, JSON arrays and arrays alike', () => {
    expect(parseListParam('ethereum, BSC,,tron')).toEqual(['ethereum', 'bsc', 'tron']);
    expect(parseListParam('["Ethereum","tron","tron"]')).toEqual(['ethereum', 'tron']);
    expect(parseListParam(['Solana'])).toEqual(['solana']);
    expect(parseListParam('[1,2]')).toEqual([1, 2]);
    expect(parseListParam('[oops')).toBe('[oops');
  });
});

describe('stream params', () => {
  it('applies the seed defaults', () => {
    expect(validate(MainTableParams, {}).value.vs_currency).toBe('usd');
    expect(validate(DistributionParams, {}).value).toMatchObject({ chains: ['ethereum', 'bsc', 'tron', 'solana', 'polygon'], period: '1d' });
    expect(validate(ComparativePriceParams, {}).value).toMatchObject({ stablecoin_ids: ['tether', 'usd-coin', 'dai'], vs_currency: 'usd', days: 7 });
  });

  it('converts query-string text and drops the deprecated interval', () => {
    const { value, invalid } = validate(ComparativePriceParams, { stablecoin_ids: 'tether,dai', days: '30', vs_currency: 'EUR', interval: 'daily' });
    expect(invalid).toEqual([]);
    expect(value).toMatchObject({ stablecoin_ids: ['tether', 'dai'], days: 30, vs_currency: 'eur' });
    expect(value.interval).toBeUndefined();
  });

  it('names each bad param', () => {
    expect(validate(ComparativePriceParams, { days: '0', stablecoin_ids: '[]' }).invalid.sort()).toEqual(['days', 'stablecoin_ids']);
    expect(validate(DistributionParams, { chains: '[1]', period: '90d' }).invalid.sort()).toEqual(['chains', 'period']);
    expect(validate(MainTableParams, { vs_currency: 'u$d' }).invalid).toEqual(['vs_currency']);
    expect(validate(MainTableParams, { currency: 'usd' }).invalid).toEqual(['currency']);
  });
});
