import type { CoinGeckoMarketChart } from '@app/upstream';

export interface PricePoint {
  stablecoin: string;
  /** unix seconds */
  time: number;
  price: number;
}

export interface PriceSeries {
  stablecoin: string;
  data: Array<{ time: number; price: number }>;
}

/** CoinGecko `[ms, price]` pairs of each coin as flat rows `{stablecoin, time (s), price}`, so the pipe can filter them. */
export function flattenPriceCharts(charts: ReadonlyArray<{ id: string; chart: CoinGeckoMarketChart }>): PricePoint[] {
  return charts.flatMap(({ id, chart }) => chart.prices.map(([ms, price]) => ({ stablecoin: id, time: Math.floor(ms / 1000), price })));
}

/** The filtered rows back into one series per coin, in the requested order, each sorted by time; coins left with no point are left out. */
export function regroupPriceSeries(rows: readonly PricePoint[], ids: readonly string[]): PriceSeries[] {
  const series = new Map(ids.map((id) => [id, [] as PriceSeries['data']]));
  for (const row of rows) {
    let data = series.get(row.stablecoin);
    if (!data) series.set(row.stablecoin, (data = []));
    data.push({ time: row.time, price: row.price });
  }
  return [...series].filter(([, data]) => data.length > 0).map(([stablecoin, data]) => ({ stablecoin, data: data.sort((a, b) => a.time - b.time) }));
}

/** The seed's y axis label, e.g. "Price based on 1 USD (0.98$-1.02$)". */
export function priceAxisLabel(vsCurrency: string): string {
  return `Price based on 1 ${vsCurrency.toUpperCase()} (0.98$-1.02$)`;
}
