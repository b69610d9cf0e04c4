/**
 * CoinDesk Data API (formerly CryptoCompare / CCData) response types. Envelope: `{ Data, Err }`; on error `Data` is
 * `{}` and `Err` says what went wrong (upstreams.md C). Every tick field is optional: the futures latest-tick field
 * names are not confirmed by a recording (they follow the spot tick and the futures historical rows).
 */

export interface CoinDeskErr {
  /** CoinDesk's error class (1: bad parameter, 2: no data for it, ...) */
  type?: number;
  message?: string;
  /** the offending parameter and values */
  other_info?: { param?: string; values?: string[] };
}

export interface CoinDeskEnvelope<T> {
  Data: T;
  /** `{}` when all went well */
  Err: CoinDeskErr | Record<string, never>;
}

/** `GET /futures/v1/latest/tick`: one instrument's latest tick (the groups asked for). */
export interface CoinDeskFuturesTick {
  TYPE?: string;
  MARKET?: string;
  /** the exchange's own name, e.g. `BTCUSDT`, `XBTUSD` */
  INSTRUMENT?: string;
  /** CoinDesk's mapped name, e.g. `BTC-USDT-VANILLA-PERPETUAL` */
  MAPPED_INSTRUMENT?: string;
  INDEX_UNDERLYING?: string;
  /** USDT for vanilla USDT-margined contracts, USD for inverse */
  QUOTE_CURRENCY?: string;
  SETTLEMENT_CURRENCY?: string;
  /** what `*_VOLUME` (not `*_QUOTE_VOLUME`) is counted in: BTC for vanilla, USD for inverse */
  CONTRACT_CURRENCY?: string;
  DENOMINATION_TYPE?: string;
  PRICE?: number | null;
  PRICE_LAST_UPDATE_TS?: number | null;
  /** 24 h volume in contract-currency units */
  MOVING_24_HOUR_VOLUME?: number | null;
  /** 24 h volume in quote-currency units */
  MOVING_24_HOUR_QUOTE_VOLUME?: number | null;
  [field: string]: unknown;
}

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
