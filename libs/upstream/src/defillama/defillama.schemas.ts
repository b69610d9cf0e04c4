import { z } from 'zod';

/**
 * DefiLlama stablecoins API schemas (https://stablecoins.llama.fi), from the server code and recorded payloads
 * (libs/simulator/fixtures/defillama). Every number may be null, most objects may be missing, extra fields pass through.
 */

/** Amounts keyed by peg type (`peggedUSD`, `peggedEUR`, `peggedVAR`, ...). */
const pegAmountsSchema = z.record(z.string(), z.number().nullable());
export type PegAmounts = z.infer<typeof pegAmountsSchema>;
/** An optional history map: a malformed one counts as absent (its readers sum what is there, 0 when nothing is). */
const optionalPegAmounts = pegAmountsSchema.optional().catch(undefined);

/** Per chain (other keys are dropped: nothing reads them). */
const chainCirculatingSchema = z.object({
  current: optionalPegAmounts,
  circulatingPrevDay: optionalPegAmounts,
  circulatingPrevWeek: optionalPegAmounts,
  circulatingPrevMonth: optionalPegAmounts,
});
export type DefiLlamaChainCirculating = z.infer<typeof chainCirculatingSchema>;

/** One element of `GET /stablecoins` → `peggedAssets`. */
export const defiLlamaPeggedAssetSchema = z.looseObject({
  /** numeric id as a string: "1" = USDT, "2" = USDC */
  id: z.string(),
  name: z.string(),
  symbol: z.string(),
  gecko_id: z.string().nullish(),
  pegType: z.string(),
  pegMechanism: z.string().nullish(),
  priceSource: z.string().nullish(),
  /**
   * Since server commit 46f5c9cc (2025-12-01) these are USD values (native units × price) even under keys like
   * `peggedEUR`; before that they were native units.
   */
  circulating: pegAmountsSchema,
  circulatingPrevDay: optionalPegAmounts,
  circulatingPrevWeek: optionalPegAmounts,
  circulatingPrevMonth: optionalPegAmounts,
  /** keyed by DefiLlama chain name, e.g. `Ethereum`, `BSC`, `Tron` */
  chainCirculating: z.record(z.string(), chainCirculatingSchema).optional(),
  chains: z.array(z.string()).optional(),
  price: z.number().nullish(),
  deprecated: z.boolean().optional(),
  delisted: z.boolean().optional(),
});
export type DefiLlamaPeggedAsset = z.infer<typeof defiLlamaPeggedAssetSchema>;

const chainTotalSchema = z.looseObject({
  name: z.string(),
  totalCirculatingUSD: pegAmountsSchema,
  gecko_id: z.string().nullish(),
  tokenSymbol: z.string().nullish(),
});
export type DefiLlamaChainTotal = z.infer<typeof chainTotalSchema>;

/** `GET /stablecoins?includePrices=true`. */
export const defiLlamaStablecoinsSchema = z.looseObject({
  peggedAssets: z.array(defiLlamaPeggedAssetSchema),
  /** not read by any stream: a change here must not fail the list */
  chains: z.array(chainTotalSchema).optional().catch(undefined),
});
export type DefiLlamaStablecoins = z.infer<typeof defiLlamaStablecoinsSchema>;

/** unix seconds; the charts send them as a STRING ("1609372800"), elsewhere they are numbers */
const unixSecondsSchema = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)], { error: 'expected unix seconds' });

/** `GET /stablecoincharts/all` (only `totalCirculatingUSD` is read); the client sorts it oldest first. */
export const defiLlamaChartSchema = z.array(z.looseObject({ date: unixSecondsSchema, totalCirculatingUSD: pegAmountsSchema.optional() }));
/** A chart point as the client returns it: `date` in unix seconds, a missing total as `{}`. */
export type DefiLlamaChartPoint = { date: number; totalCirculatingUSD: PegAmounts };

const pricePointSchema = z.looseObject({ date: z.number(), prices: z.record(z.string(), z.number().nullable()) });
export type DefiLlamaPricePoint = z.infer<typeof pricePointSchema>;

/**
 * `GET /stablecoinprices`: prices keyed by CoinGecko id (NOT by symbol); `date` is unix seconds (a number here). The
 * full body goes back to 2020 (megabytes, ~200 ids a day): points dated before `sinceSeconds` are dropped before their
 * prices are checked, which is most of the parsing cost. A point without a numeric date is kept (and fails).
 * (The client sorts: a transform after this array costs more than the whole check.)
 */
export function defiLlamaPricesSchema(sinceSeconds = -Infinity) {
  return z
    .array(z.unknown())
    .transform((points) => points.filter((point) => !(typeof (point as { date?: unknown } | null)?.date === 'number' && (point as { date: number }).date < sinceSeconds)))
    .pipe(z.array(pricePointSchema));
}
