import { UpstreamBudget } from '../contracts';
import { CoinDeskFuturesTick, FuturesTickRequest } from './coindesk.types';

/** Injection token of the CoinDesk provider: `@Inject(COINDESK_API) coindesk: CoinDeskApi`. */
export const COINDESK_API = Symbol('COINDESK_API');

/** CoinDesk Data API as the features see it. Calls are uncached: wrap them in `UpstreamCache.get` with the feature's policy. */
export interface CoinDeskApi extends UpstreamBudget {
  /**
   * `GET /futures/v1/latest/tick` for one market, unwrapped from `{ Data, Err }`: the ticks keyed by the instrument
   * names as requested. Instruments CoinDesk has no data for are absent (a partial answer names them in `Err`);
   * when none has data it fails with the CoinDesk error message.
   */
  getFuturesLatestTick(request: FuturesTickRequest): Promise<Record<string, CoinDeskFuturesTick>>;
}
