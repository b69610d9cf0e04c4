import { UpstreamBudget } from '../contracts';
import type { CoinDeskFuturesTick } from './coindesk.schemas';

/** Injection token of the CoinDesk provider: `@Inject(COINDESK_API) coindesk: CoinDeskApi`. */
export const COINDESK_API = Symbol('COINDESK_API');

/** The tick groups CoinDesk accepts on the latest-tick endpoints. */
export type CoinDeskTickGroup =
  | 'ID'
  | 'MAPPING'
  | 'VALUE'
  | 'LAST_UPDATE'
  | 'TOP_OF_BOOK'
  | 'CURRENT_HOUR'
  | 'CURRENT_DAY'
  | 'MOVING_24_HOUR'
  | 'MOVING_7_DAY'
  | 'LIFETIME';

export type CoinDeskMappingPriority = 'CHECK_MAPPED_FIRST' | 'CHECK_UNMAPPED_FIRST';

export interface FuturesTickRequest {
  /** `binance`, `bybit`, `okex`, `deribit`, `bitmex`, ... */
  market: string;
  /** up to 25 names, mapped (`BTC-USDT-VANILLA-PERPETUAL`) or exchange-native (`XBTUSD`) */
  instruments: readonly string[];
  groups?: readonly CoinDeskTickGroup[];
  /** default (CoinDesk's): `CHECK_MAPPED_FIRST`; pass `CHECK_UNMAPPED_FIRST` for exchange-native names */
  mappingPriority?: CoinDeskMappingPriority;
}

/** CoinDesk Data API as the features see it. Calls are uncached: wrap them in `UpstreamCache.get` with the feature's policy. */
export interface CoinDeskApi extends UpstreamBudget {
  /**
   * `GET /futures/v1/latest/tick` for one market, unwrapped from `{ Data, Err }`: the ticks keyed by the instrument
   * names as requested. Instruments CoinDesk has no data for are absent (a partial answer names them in `Err`);
   * when none has data it fails with the CoinDesk error message.
   */
  getFuturesLatestTick(request: FuturesTickRequest): Promise<Record<string, CoinDeskFuturesTick>>;
}
