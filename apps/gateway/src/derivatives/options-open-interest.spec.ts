import type { DeribitBookSummary } from '@app/upstream';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { conversionPrice, expiryMs, parseOptionName, summariseOptionsOpenInterest } from './options-open-interest';

const row = (instrument_name: string, open_interest: number, prices: Partial<DeribitBookSummary> = {}): DeribitBookSummary => ({
  instrument_name,
  open_interest,
  base_currency: 'BTC',
  quote_currency: 'BTC',
  creation_timestamp: 1_654_338_604_906,
  volume: 0,
  mark_price: 0.05,
  ...prices,
});

describe('option names', () => {
  it('reads series, expiry and side', () => {
    expect(parseOptionName('BTC-24JUN22-30000-C')).toEqual({ series: 'BTC-24JUN22', code: '24JUN22', side: 'C' });
    expect(parseOptionName('BTC-5JUL24-60000-P')).toEqual({ series: 'BTC-5JUL24', code: '5JUL24', side: 'P' });
    expect(expiryMs('24JUN22')).toBe(Date.UTC(2022, 5, 24, 8));
    expect(expiryMs('5JUL24')).toBe(Date.UTC(2024, 6, 5, 8));
    expect(expiryMs('PERPETUAL')).toBeUndefined();
    expect(expiryMs('5XYZ24')).toBeUndefined();
  });

  it('converts with the underlying, else the index estimate', () => {
    expect(conversionPrice(row('x', 1, { underlying_price: 30_000, estimated_delivery_price: 29_000 }))).toBe(30_000);
    expect(conversionPrice(row('x', 1, { underlying_price: null, estimated_delivery_price: 29_000 }))).toBe(29_000);
    expect(conversionPrice(row('x', 1))).toBeUndefined();
  });
});

describe('summariseOptionsOpenInterest', () => {
  it('converts the recorded Deribit rows: Σ open_interest × underlying_price', () => {
    const recorded = JSON.parse(readFileSync(join(__dirname, '../../../../libs/simulator/fixtures/deribit/book-summary-by-currency-BTC-option-2022.json'), 'utf8')) as {
      result: DeribitBookSummary[];
    };
    const summary = summariseOptionsOpenInterest(recorded.result);
    // 1124.7 × 29,755.49 = 33,465,999.603 ; 8.1 × 30,236.72 = 244,917.432
    expect(summary.totalUsd).toBeCloseTo(33_465_999.603 + 244_917.432, 3);
    expect(summary.totalBtc).toBeCloseTo(1_132.8, 9);
    expect(summary.expiries.map((expiry) => [expiry.series, expiry.callsBtc, expiry.putsBtc, expiry.underlyingIndex])).toEqual([
      ['BTC-24JUN22', 1124.7, 0, 'BTC-24JUN22'],
      ['BTC-30DEC22', 0, 8.1, 'BTC-30DEC22'],
    ]);
  });

  it('groups by expiry, nearest first, falls back to the index and leaves unpriced rows out of the USD figures', () => {
    const summary = summariseOptionsOpenInterest([
      row('BTC-27DEC24-100000-C', 10, { underlying_price: 101_000 }), // 1,010,000
      row('BTC-5JUL24-60000-P', 2.5, { underlying_price: 60_000, creation_timestamp: 1_720_000_000_000 }), // 150,000
      row('BTC-5JUL24-70000-C', 4, { estimated_delivery_price: 61_000 }), // 244,000 (no underlying)
      row('BTC-5JUL24-80000-C', 0, { underlying_price: 60_000 }), // no open interest
      row('BTC-27DEC24-120000-C', 7), // no price at all
    ]);
    expect(summary.totalUsd).toBe(1_404_000);
    expect(summary.totalBtc).toBe(16.5);
    expect(summary.expiries).toEqual([
      {
        series: 'BTC-5JUL24',
        expiryMs: Date.UTC(2024, 6, 5, 8),
        openInterestUsd: 394_000,
        openInterestBtc: 6.5,
        callsBtc: 4,
        putsBtc: 2.5,
        instruments: 3,
        unpriced: 0,
        lastUpdateMs: 1_720_000_000_000,
        underlyingIndex: undefined,
        underlyingPrice: 60_000,
      },
      {
        series: 'BTC-27DEC24',
        expiryMs: Date.UTC(2024, 11, 27, 8),
        openInterestUsd: 1_010_000,
        openInterestBtc: 10,
        callsBtc: 10,
        putsBtc: 0,
        instruments: 2,
        unpriced: 1,
        lastUpdateMs: 1_654_338_604_906,
        underlyingIndex: undefined,
        underlyingPrice: 101_000,
      },
    ]);
  });

  it('is zero for an empty chain', () => {
    expect(summariseOptionsOpenInterest([])).toEqual({ totalUsd: 0, totalBtc: 0, expiries: [] });
  });
});
