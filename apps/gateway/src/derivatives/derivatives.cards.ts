/** The two derivatives cards of seed 000: exact titles, subtexts and value formats. */
import type { VolumeDetail, VolumeSummary } from './derivative-volume';
import type { OptionsOpenInterest } from './options-open-interest';

export interface DerivativesCard {
  title: string;
  value: string;
  subtext: string;
  logo?: string;
  symbol?: string;
  details: object[];
}

export interface OpenInterestDetail {
  source: 'Deribit';
  /** the option series, e.g. `BTC-27DEC24` */
  instrument: string;
  market: 'deribit';
  /** USD */
  open_interest: number;
  open_interest_btc: number;
  /** ISO date-time of the expiry (08:00 UTC), when the series name gives it */
  expiry?: string;
  instruments: number;
  /** unix seconds of the newest row of the series */
  last_update: number;
  /** the figures of the series as Deribit gave them (BTC amounts, underlying) */
  raw: Record<string, unknown>;
}

const wholeNumber = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** "1,234,567,890 USD" */
export function formatUsdAmount(value: number): string {
  return `${wholeNumber.format(Math.round(value))} USD`;
}

export function volumeCard(summary: VolumeSummary): DerivativesCard & { details: VolumeDetail[] } {
  return {
    title: '24h Derivative Volumes',
    value: formatUsdAmount(summary.total),
    subtext: 'total volumes across selected derivatives contracts (CoinDesk)',
    details: summary.details,
  };
}

/** Detail rows: one per expiry (a BTC chain lists about a dozen), nearest first. */
export function openInterestCard(summary: OptionsOpenInterest, bitcoin?: { symbol: string; logo?: string }): DerivativesCard & { details: OpenInterestDetail[] } {
  return {
    title: 'Bitcoin Options Open Interest',
    value: formatUsdAmount(summary.totalUsd),
    subtext: 'total BTC options open interest (Deribit)',
    logo: bitcoin?.logo,
    symbol: bitcoin?.symbol ?? 'BTC',
    details: summary.expiries.map((expiry) => ({
      source: 'Deribit',
      instrument: expiry.series,
      market: 'deribit',
      open_interest: round2(expiry.openInterestUsd),
      open_interest_btc: round2(expiry.openInterestBtc),
      ...(expiry.expiryMs !== undefined ? { expiry: new Date(expiry.expiryMs).toISOString() } : {}),
      instruments: expiry.instruments,
      last_update: Math.floor(expiry.lastUpdateMs / 1000),
      raw: {
        underlying_index: expiry.underlyingIndex,
        underlying_price: expiry.underlyingPrice,
        calls_open_interest: round2(expiry.callsBtc),
        puts_open_interest: round2(expiry.putsBtc),
        unpriced_instruments: expiry.unpriced,
      },
    })),
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
