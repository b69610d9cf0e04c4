import { z } from 'zod';

/**
 * CoinDesk Data API (formerly CryptoCompare / CCData) response schemas. Envelope: `{ Data, Err }`; on error `Data` is
 * `{}` and `Err` says what went wrong (upstreams.md C). Every tick field is optional: the futures latest-tick field
 * names are not confirmed by a recording (they follow the spot tick and the futures historical rows).
 */

const optionalAmount = z.number().nullish();
const optionalText = z.string().nullish();

/** `GET /futures/v1/latest/tick`: one instrument's latest tick (the groups asked for). */
export const coinDeskFuturesTickSchema = z.looseObject({
  TYPE: optionalText,
  MARKET: optionalText,
  /** the exchange's own name, e.g. `BTCUSDT`, `XBTUSD` */
  INSTRUMENT: optionalText,
  /** CoinDesk's mapped name, e.g. `BTC-USDT-VANILLA-PERPETUAL` */
  MAPPED_INSTRUMENT: optionalText,
  INDEX_UNDERLYING: optionalText,
  /** USDT for vanilla USDT-margined contracts, USD for inverse */
  QUOTE_CURRENCY: optionalText,
  SETTLEMENT_CURRENCY: optionalText,
  /** what `*_VOLUME` (not `*_QUOTE_VOLUME`) is counted in: BTC for vanilla, USD for inverse */
  CONTRACT_CURRENCY: optionalText,
  DENOMINATION_TYPE: optionalText,
  PRICE: optionalAmount,
  PRICE_LAST_UPDATE_TS: optionalAmount,
  /** 24 h volume in contract-currency units */
  MOVING_24_HOUR_VOLUME: optionalAmount,
  /** 24 h volume in quote-currency units */
  MOVING_24_HOUR_QUOTE_VOLUME: optionalAmount,
});
export type CoinDeskFuturesTick = z.infer<typeof coinDeskFuturesTickSchema>;

/**
 * CoinDesk's error description; `{}` when all went well. Only read to word an error message, so an unexpected
 * value in it is dropped rather than failing the call.
 */
export const coinDeskErrSchema = z.looseObject({
  /** CoinDesk's error class (1: bad parameter, 2: no data for it, ...) */
  type: z.number().optional().catch(undefined),
  message: z.string().optional().catch(undefined),
  /** the offending parameter and values */
  other_info: z
    .looseObject({ param: z.string().optional().catch(undefined), values: z.array(z.string()).optional().catch(undefined) })
    .optional()
    .catch(undefined),
});
export type CoinDeskErr = z.infer<typeof coinDeskErrSchema>;

/** `{ Data: { <instrument>: tick }, Err }`. An error body (`Data: {}`) fits: the client reads its `Err`. */
export const coinDeskTickEnvelopeSchema = z.looseObject({ Data: z.record(z.string(), coinDeskFuturesTickSchema), Err: coinDeskErrSchema });
