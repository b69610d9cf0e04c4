import { UpstreamBudget } from '../contracts';
import { CoinGeckoCoin, CoinGeckoGlobal, CoinGeckoMarket, CoinGeckoMarketChart, MarketChartParams, MarketsParams } from './coingecko.types';

/** Injection token of the CoinGecko provider: `@Inject(COINGECKO_API) coingecko: CoinGeckoApi`. */
export const COINGECKO_API = Symbol('COINGECKO_API');

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
