import { z } from 'zod';

const DECIMAL = /^-?\d+(\.\d+)?$/;

// Binance sends prices and volumes as decimal strings (exact), times and counts as integers
const decimal = (column: string) => z.string({ error: `expected ${column} as a decimal string` }).regex(DECIMAL, `expected ${column} as a decimal string`);
const integer = (column: string) => z.int({ error: `expected ${column} as an integer` });

/**
 * One kline row `[openTime, open, high, low, close, volume, closeTime, quoteVolume, trades, takerBuyBase, takerBuyQuote, ignore]`
 * (Binance may append columns), named. Decimals stay Binance's strings: parse them with a decimal type, not `Number`,
 * when summing. `quoteVolume` and `takerBuyQuoteVolume` are in the quote asset (USDT for the pairs used here).
 */
export const binanceKlineRowSchema = z
  .tuple(
    [
      integer('openTime'),
      decimal('open'),
      decimal('high'),
      decimal('low'),
      decimal('close'),
      decimal('volume'),
      integer('closeTime'),
      decimal('quoteVolume'),
      integer('trades'),
      decimal('takerBuyBaseVolume'),
      decimal('takerBuyQuoteVolume'),
    ],
    z.unknown(),
  )
  .transform(([openTime, open, high, low, close, volume, closeTime, quoteVolume, trades, takerBuyBaseVolume, takerBuyQuoteVolume]) => ({
    openTime,
    /** last ms of the bar: openTime + interval − 1 */
    closeTime,
    open,
    high,
    low,
    close,
    volume,
    quoteVolume,
    trades,
    takerBuyBaseVolume,
    takerBuyQuoteVolume,
  }));
export type BinanceKline = z.infer<typeof binanceKlineRowSchema>;

/** `GET /api/v3/klines` and `GET /fapi/v1/klines`: rows oldest first. */
export const binanceKlinesSchema = z.array(binanceKlineRowSchema);
