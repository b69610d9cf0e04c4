import { UpstreamBudget } from '../contracts';
import { CoinGeckoCoin, CoinGeckoGlobal } from './coingecko.types';

/** Injection token of the CoinGecko provider: `@Inject(COINGECKO_API) coingecko: CoinGeckoApi`. */
export const COINGECKO_API = Symbol('COINGECKO_API');

/** CoinGecko as the features see it. Calls are uncached: wrap them in `UpstreamCache.get` with the feature's policy. */
export interface CoinGeckoApi extends UpstreamBudget {
  /** `GET /global`, unwrapped from its `{ data }` envelope. */
  getGlobal(): Promise<CoinGeckoGlobal>;
  /** `GET /coins/{id}` (e.g. `bitcoin`, `ethereum`) without the heavy sections. */
  getCoin(id: string): Promise<CoinGeckoCoin>;
}
