/**
 * CoinGecko v3 response types, checked against recorded payloads (libs/simulator/fixtures/coingecko).
 * Numbers are `number | null` because CoinGecko sends null for unknown values; optional fields may be absent.
 */

/** `GET /global` → `{ data: CoinGeckoGlobal }` (the client unwraps `data`). */
export interface CoinGeckoGlobal {
  active_cryptocurrencies?: number | null;
  upcoming_icos?: number | null;
  ongoing_icos?: number | null;
  ended_icos?: number | null;
  markets?: number | null;
  /** keyed by lower-case vs currency: `usd`, `eur`, `btc`, ... */
  total_market_cap: Record<string, number | null>;
  /** 24 h volume, same keys as `total_market_cap` */
  total_volume: Record<string, number | null>;
  /** top-10 coins by lower-case SYMBOL (`btc`, `eth`, `usdt`, ...), in percent (59.48 = 59.48 %) */
  market_cap_percentage: Record<string, number | null>;
  market_cap_change_percentage_24h_usd?: number | null;
  /** unix SECONDS */
  updated_at: number | null;
}

export interface CoinGeckoGlobalResponse {
  data: CoinGeckoGlobal;
}

/** `GET /coins/{id}` with localization, tickers, market_data, community_data, developer_data and sparkline off. */
export interface CoinGeckoCoin {
  /** e.g. `bitcoin` */
  id: string;
  /** lower-case (`btc`): upper-case it for display */
  symbol: string;
  name: string;
  web_slug?: string;
  asset_platform_id?: string | null;
  hashing_algorithm?: string | null;
  categories?: string[];
  description?: { en?: string; [locale: string]: string | undefined };
  links?: { homepage?: string[]; whitepaper?: string; blockchain_site?: string[]; subreddit_url?: string | null; [field: string]: unknown };
  /** absolute URLs; store them as given, never build them (the host changed in 2024) */
  image: { thumb?: string; small?: string; large: string };
  genesis_date?: string | null;
  market_cap_rank?: number | null;
  /** ISO 8601 */
  last_updated?: string | null;
}

export interface MarketsParams {
  vs_currency: string;
  /** category id, e.g. `stablecoins` (wins over `ids` when both are given) */
  category?: string;
  ids?: string[];
  /** 1..250, default 250 here (CoinGecko's own default is 100) */
  per_page?: number;
  page?: number;
}

/** One row of `GET /coins/markets`. */
export interface CoinGeckoMarket {
  id: string;
  symbol: string;
  name: string;
  /** large image URL */
  image?: string | null;
  current_price: number | null;
  market_cap: number | null;
  market_cap_rank?: number | null;
  total_volume?: number | null;
  price_change_24h?: number | null;
  price_change_percentage_24h: number | null;
  market_cap_change_percentage_24h?: number | null;
  circulating_supply?: number | null;
  /** ISO 8601 */
  last_updated?: string | null;
  [field: string]: unknown;
}

export interface MarketChartParams {
  vs_currency: string;
  /** 1 → 5-minutely points, 2..90 → hourly, more → daily */
  days: number;
}

/** `GET /coins/{id}/market_chart`: `[unix MILLISECONDS, value]` pairs, ascending; the last point is "now". */
export interface CoinGeckoMarketChart {
  prices: Array<[number, number]>;
  market_caps: Array<[number, number]>;
  total_volumes: Array<[number, number]>;
}
