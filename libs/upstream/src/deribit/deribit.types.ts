/**
 * Deribit public API v2 response types (upstreams.md D; fixtures in libs/simulator/fixtures/deribit).
 * Numbers may be null where Deribit has no value (no quotes on an illiquid option); newer fields are optional.
 */

export type DeribitCurrency = 'BTC' | 'ETH' | 'USDC' | 'USDT' | 'EURR';
export type DeribitKind = 'future' | 'option' | 'spot' | 'future_combo' | 'option_combo';

/** JSON-RPC over HTTP: `{ jsonrpc, result, usIn, usOut, usDiff, testnet }`, or `{ error: { code, message } }`. */
export interface DeribitRpcResponse<T> {
  jsonrpc: '2.0';
  id?: number;
  result?: T;
  error?: { code: number; message: string; data?: unknown };
  usIn?: number;
  usOut?: number;
  usDiff?: number;
  testnet?: boolean;
}

/** One row of `public/get_book_summary_by_currency`. */
export interface DeribitBookSummary {
  /** `BTC-27DEC24-100000-C`, `BTC-PERPETUAL`, `BTC-25SEP26` */
  instrument_name: string;
  base_currency: string;
  /** options: `BTC` (prices in BTC); BTC futures and the perpetual: `USD` */
  quote_currency: string;
  /** unix ms */
  creation_timestamp: number;
  /** perpetual and inverse futures: USD; options and linear futures: base coin (BTC) */
  open_interest: number;
  /** 24 h volume in base currency */
  volume: number | null;
  volume_usd?: number | null;
  volume_notional?: number | null;
  mark_price: number | null;
  mark_iv?: number | null;
  mid_price?: number | null;
  bid_price?: number | null;
  ask_price?: number | null;
  last?: number | null;
  high?: number | null;
  low?: number | null;
  price_change?: number | null;
  /** the index at delivery as estimated now (USD) */
  estimated_delivery_price?: number | null;
  /** options: the future or synthetic index the option settles against (`BTC-24JUN22`, `SYN.BTC-…`) */
  underlying_index?: string | null;
  /** options: that underlying's price (USD) */
  underlying_price?: number | null;
  interest_rate?: number | null;
  current_funding?: number | null;
  funding_8h?: number | null;
  [field: string]: unknown;
}
