import { z } from 'zod';

/**
 * Deribit public API v2 response schemas (upstreams.md D; fixtures in libs/simulator/fixtures/deribit).
 * Numbers may be null where Deribit has no value (no quotes on an illiquid option); newer fields are optional.
 */

const optionalAmount = z.number().nullish();

/** One row of `public/get_book_summary_by_currency`. */
export const deribitBookSummarySchema = z.looseObject({
  /** `BTC-27DEC24-100000-C`, `BTC-PERPETUAL`, `BTC-25SEP26` */
  instrument_name: z.string(),
  base_currency: z.string().nullish(),
  /** options: `BTC` (prices in BTC); BTC futures and the perpetual: `USD` */
  quote_currency: z.string().nullish(),
  /** unix ms */
  creation_timestamp: z.number(),
  /** perpetual and inverse futures: USD; options and linear futures: base coin (BTC) */
  open_interest: z.number(),
  /** 24 h volume in base currency */
  volume: optionalAmount,
  volume_usd: optionalAmount,
  volume_notional: optionalAmount,
  mark_price: optionalAmount,
  mark_iv: optionalAmount,
  mid_price: optionalAmount,
  bid_price: optionalAmount,
  ask_price: optionalAmount,
  last: optionalAmount,
  high: optionalAmount,
  low: optionalAmount,
  price_change: optionalAmount,
  /** the index at delivery as estimated now (USD) */
  estimated_delivery_price: optionalAmount,
  /** options: the future or synthetic index the option settles against (`BTC-24JUN22`, `SYN.BTC-…`) */
  underlying_index: z.string().nullish(),
  /** options: that underlying's price (USD) */
  underlying_price: optionalAmount,
  interest_rate: optionalAmount,
  current_funding: optionalAmount,
  funding_8h: optionalAmount,
});
export type DeribitBookSummary = z.infer<typeof deribitBookSummarySchema>;

/**
 * JSON-RPC over HTTP: `{ jsonrpc, result, usIn, usOut, usDiff, testnet }`, or `{ error: { code, message } }`.
 * An `error` member is not a shape problem (the client reports it); a success must carry `result`.
 */
export const deribitBookSummaryResponseSchema = z
  .looseObject({
    result: z.array(deribitBookSummarySchema).optional(),
    error: z.looseObject({ code: z.number(), message: z.string() }).optional(),
  })
  .refine((body) => body.error !== undefined || body.result !== undefined, { path: ['result'], message: 'missing' });
