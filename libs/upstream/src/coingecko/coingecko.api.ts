import { UpstreamBudget } from '../contracts';
import type { CoinGeckoCoin, CoinGeckoGlobal, CoinGeckoMarket, CoinGeckoMarketChart } from './coingecko.schemas';

/** Injection token of the CoinGecko provider: `@Inject(COINGECKO_API) coingecko: CoinGeckoApi`. */
export const COINGECKO_API = Symbol('COINGECKO_API');

export interface MarketsParams {
  vs_currency: string;
  /** category id, e.g. `stablecoins` (wins over `ids` when both are given) */
  category?: string;
  ids?: string[];
  /** 1..250, default 250 here (CoinGecko's own default is 100) */
  per_page?: number;
  page?: number;
}

export interface MarketChartParams {
  vs_currency: string;
  /** 1 → 5-minutely points, 2..90 → hourly, more → daily */
  days: number;
}

/** CoinGecko as the features see it. Calls are uncached: wrap them in `UpstreamCache.get` with the feature's policy. */
export interface CoinGeckoApi extends UpstreamBudget {
  /** `GET /global`, unwrapped from its `{ data }` envelope. */
  getGlobal(): Promise<CoinGeckoGlobal>;
  /** `GET /coins/{id}` (e.g. `bitcoin`, `ethereum`) without the heavy sections. */
  getCoin(id: string): Promise<CoinGeckoCoin>;
  /** `GET /coins/markets` (one page, up to 250 rows), e.g. `{ vs_currency: 'usd', category: 'stablecoins' }`. */
  getMarkets(params: MarketsParams): Promise<CoinGeckoMarket[]>;
  /** `GET /coins/{id}/market_chart`: `[unix ms, value]` series; null points are dropped. */
  getMarketChart(id: string, params: MarketChartParams): Promise<CoinGeckoMarketChart>;
}
