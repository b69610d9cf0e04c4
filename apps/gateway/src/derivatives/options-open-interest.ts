/**
 * BTC options open interest in USD from Deribit book summaries. Deribit counts option open interest in BTC
 * (contracts of 1 BTC): each row is converted with its own underlying price (the future or synthetic index the
 * option settles against), or the index's `estimated_delivery_price` when the row has no underlying.
 * Pure functions: the source feeds rows, the card shows the result.
 */
import type { DeribitBookSummary } from '@app/upstream';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** One expiry (option series) of the chain: the detail row of the card. */
export interface ExpiryOpenInterest {
  /** `BTC-27DEC24` */
  series: string;
  /** ms of 08:00 UTC on the expiry day, when the name can be read */
  expiryMs?: number;
  openInterestUsd: number;
  openInterestBtc: number;
  callsBtc: number;
  putsBtc: number;
  instruments: number;
  /** rows with open interest but no price to convert it: left out of the USD figures */
  unpriced: number;
  /** ms of the newest row */
  lastUpdateMs: number;
  /** the underlying Deribit gave for the series' rows (the last one read) */
  underlyingIndex?: string;
  underlyingPrice?: number;
}

export interface OptionsOpenInterest {
  totalUsd: number;
  totalBtc: number;
  /** nearest expiry first; series whose name cannot be read last */
  expiries: ExpiryOpenInterest[];
}

/** `BTC-27DEC24-100000-C` → `{ series: 'BTC-27DEC24', side: 'C' }`; other names keep their first two segments. */
export function parseOptionName(name: string): { series: string; code: string; side?: 'C' | 'P' } {
  const [currency, code = '', , side] = name.split('-');
  return { series: `${currency}-${code}`, code, side: side === 'C' || side === 'P' ? side : undefined };
}

/** Deribit's expiry code (`5JUL24`, `27DEC24`) → 08:00 UTC of that day in ms; undefined when it is not one. */
export function expiryMs(code: string): number | undefined {
  const match = /^(\d{1,2})([A-Z]{3})(\d{2})$/.exec(code);
  const month = match ? MONTHS.indexOf(match[2]) : -1;
  if (!match || month < 0) return undefined;
  return Date.UTC(2000 + Number(match[3]), month, Number(match[1]), 8);
}

/** The USD price a row's open interest converts with: its underlying, else the index estimate; undefined when neither. */
export function conversionPrice(row: DeribitBookSummary): number | undefined {
  for (const price of [row.underlying_price, row.estimated_delivery_price]) {
    if (typeof price === 'number' && Number.isFinite(price) && price > 0) return price;
  }
  return undefined;
}

/** Σ open_interest × price, in total and per expiry. Rows with no open interest still count as instruments. */
export function summariseOptionsOpenInterest(rows: readonly DeribitBookSummary[]): OptionsOpenInterest {
  const bySeries = new Map<string, ExpiryOpenInterest>();
  for (const row of rows) {
    const { series, code, side } = parseOptionName(row.instrument_name);
    let expiry = bySeries.get(series);
    if (!expiry) {
      expiry = { series, expiryMs: expiryMs(code), openInterestUsd: 0, openInterestBtc: 0, callsBtc: 0, putsBtc: 0, instruments: 0, unpriced: 0, lastUpdateMs: 0 };
      bySeries.set(series, expiry);
    }
    expiry.instruments += 1;
    expiry.lastUpdateMs = Math.max(expiry.lastUpdateMs, row.creation_timestamp);
    const openInterest = Number.isFinite(row.open_interest) ? row.open_interest : 0;
    if (openInterest === 0) continue;
    const price = conversionPrice(row);
    if (price === undefined) {
      expiry.unpriced += 1;
      continue;
    }
    expiry.openInterestBtc += openInterest;
    expiry.openInterestUsd += openInterest * price;
    if (side === 'C') expiry.callsBtc += openInterest;
    if (side === 'P') expiry.putsBtc += openInterest;
    if (typeof row.underlying_index === 'string') expiry.underlyingIndex = row.underlying_index;
    if (typeof row.underlying_price === 'number') expiry.underlyingPrice = row.underlying_price;
  }
  const expiries = [...bySeries.values()].sort((a, b) => (a.expiryMs ?? Infinity) - (b.expiryMs ?? Infinity) || a.series.localeCompare(b.series));
  return {
    totalUsd: expiries.reduce((sum, expiry) => sum + expiry.openInterestUsd, 0),
    totalBtc: expiries.reduce((sum, expiry) => sum + expiry.openInterestBtc, 0),
    expiries,
  };
}
