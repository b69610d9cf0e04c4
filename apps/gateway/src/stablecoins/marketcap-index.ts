import type { DefiLlamaChartPoint } from '@app/upstream';
import { roundTo } from '@app/query';
import { sumPegAmounts } from './peg-amounts';

export const MARKETCAP_PERIODS = ['1d', '7d', '30d', '90d', '1y'] as const;
export type MarketcapPeriod = (typeof MARKETCAP_PERIODS)[number];

const DAY_SECONDS = 86_400;
export const PERIOD_SECONDS: Readonly<Record<MarketcapPeriod, number>> = {
  '1d': DAY_SECONDS,
  '7d': 7 * DAY_SECONDS,
  '30d': 30 * DAY_SECONDS,
  '90d': 90 * DAY_SECONDS,
  '1y': 365 * DAY_SECONDS,
};

export interface MarketcapPoint {
  /** unix seconds */
  timestamp: number;
  /** USD */
  marketcap: number;
}

export interface MarketcapIndex {
  data: MarketcapPoint[];
  key_stats: { latest_market_cap: number | null; price: number | null; controller: MarketcapPeriod };
}

/**
 * The total stablecoin market cap over `period`, from DefiLlama's daily `/stablecoincharts/all`:
 * marketcap = Σ `totalCirculatingUSD` over every peg type (USD values), rounded to cents; the window is the
 * points within `period` of the LAST point (daily data: `1d` gives yesterday and today). `key_stats` describe the
 * latest point (`price` repeats it: the seed's frontends read either).
 */
export function marketcapIndex(points: readonly DefiLlamaChartPoint[], period: MarketcapPeriod): MarketcapIndex {
  const series = points
    .filter((point) => Number.isFinite(point.date))
    .map((point) => ({ timestamp: point.date, marketcap: roundTo(sumPegAmounts(point.totalCirculatingUSD), 2) }))
    .sort((a, b) => a.timestamp - b.timestamp);
  const latest = series[series.length - 1];
  const since = latest ? latest.timestamp - PERIOD_SECONDS[period] : 0;
  return {
    data: series.filter((point) => point.timestamp >= since),
    key_stats: { latest_market_cap: latest?.marketcap ?? null, price: latest?.marketcap ?? null, controller: period },
  };
}
