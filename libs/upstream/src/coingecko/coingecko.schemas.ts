import { z } from 'zod';

/**
 * CoinGecko v3 response schemas, checked against recorded payloads (libs/simulator/fixtures/coingecko). Lenient where
 * CoinGecko is: numbers may be null (unknown values), optional fields may be absent, extra fields pass through.
 */

const amount = z.number().nullable();
const optionalAmount = amount.optional();
const optionalText = z.string().nullish();
/** keyed by lower-case vs currency (`usd`, `eur`, `btc`) or coin symbol */
const amountsByKey = z.record(z.string(), amount);

export const coinGeckoGlobalSchema = z.looseObject({
  active_cryptocurrencies: optionalAmount,
  upcoming_icos: optionalAmount,
  ongoing_icos: optionalAmount,
  ended_icos: optionalAmount,
  markets: optionalAmount,
  total_market_cap: amountsByKey,
  /** 24 h volume, same keys as `total_market_cap` */
  total_volume: amountsByKey,
  /** top-10 coins by lower-case SYMBOL (`btc`, `eth`, `usdt`, ...), in percent (59.48 = 59.48 %) */
  market_cap_percentage: amountsByKey,
  market_cap_change_percentage_24h_usd: optionalAmount,
  /** unix SECONDS */
  updated_at: amount,
});
export type CoinGeckoGlobal = z.infer<typeof coinGeckoGlobalSchema>;

/** `GET /global` → `{ data }` (the client unwraps `data`). */
export const coinGeckoGlobalResponseSchema = z.looseObject({ data: coinGeckoGlobalSchema });

/** `GET /coins/{id}` with localization, tickers, market_data, community_data, developer_data and sparkline off. */
export const coinGeckoCoinSchema = z.looseObject({
  /** e.g. `bitcoin` */
  id: z.string(),
  /** lower-case (`btc`): upper-case it for display */
  symbol: z.string(),
  name: z.string(),
  web_slug: optionalText,
  asset_platform_id: optionalText,
  hashing_algorithm: optionalText,
  categories: z.array(z.string().nullable()).optional(),
  description: z.record(z.string(), z.string().nullable()).optional(),
  links: z.record(z.string(), z.unknown()).optional(),
  /** absolute URLs; store them as given, never build them (the host changed in 2024) */
  image: z.looseObject({ thumb: optionalText, small: optionalText, large: z.string() }),
  genesis_date: optionalText,
  market_cap_rank: optionalAmount,
  /** ISO 8601 */
  last_updated: optionalText,
});
export type CoinGeckoCoin = z.infer<typeof coinGeckoCoinSchema>;

/** One row of `GET /coins/markets`. */
export const coinGeckoMarketSchema = z.looseObject({
  id: z.string(),
  symbol: z.string(),
  name: z.string(),
  /** large image URL */
  image: optionalText,
  current_price: amount,
  market_cap: amount,
  market_cap_rank: optionalAmount,
  total_volume: optionalAmount,
  price_change_24h: optionalAmount,
  price_change_percentage_24h: amount,
  market_cap_change_percentage_24h: optionalAmount,
  circulating_supply: optionalAmount,
  /** ISO 8601 */
  last_updated: optionalText,
});
export type CoinGeckoMarket = z.infer<typeof coinGeckoMarketSchema>;

export const coinGeckoMarketsSchema = z.array(coinGeckoMarketSchema);

/**
 * A `[unix MILLISECONDS, value]` series, ascending; the last point is "now". Client authors report occasional null
 * points: they are dropped rather than plotted as zeros (and rather than failing the whole chart).
 */
const chartSeries = z.array(z.unknown()).transform((points) => points.filter(isChartPoint));
const optionalChartSeries = chartSeries.optional().transform((points) => points ?? []);

function isChartPoint(point: unknown): point is [number, number] {
  return Array.isArray(point) && Number.isFinite(point[0]) && typeof point[1] === 'number' && Number.isFinite(point[1]);
}

/** `GET /coins/{id}/market_chart`: `prices` is required; the other two series may be absent (then empty). */
export const coinGeckoMarketChartSchema = z.looseObject({ prices: chartSeries, market_caps: optionalChartSeries, total_volumes: optionalChartSeries });
export type CoinGeckoMarketChart = z.infer<typeof coinGeckoMarketChartSchema>;
