import { S } from '@app/contract';
import type { JsonSchema } from '@app/realtime';

/** Decimal amounts travel as strings (seed 002: "Serialized: string"). */
const DECIMAL = (description: string): JsonSchema => ({ type: 'string', pattern: '^-?[0-9]+(\\.[0-9]+)?$', description });

const WINDOW_ITEM = S.object({
  timeRange: S.string('Window label, e.g. m5, h1, d1.'),
  timeParticleEnum: S.integer('Statistical granularity.'),
  tradeInflow: DECIMAL('Net inflow (USD).'),
  tradeAmount: DECIMAL('Volume (USD).'),
});

/** `data` of getCoinTradeSnapshot and of the live frames. */
export const COIN_TRADE_SNAPSHOT_SCHEMA: JsonSchema = S.object({
  updateTime: S.integer('Epoch ms of the snapshot instant.'),
  vsTokenId: S.string('Token id (a numeric string).'),
  symbol: S.string(),
  name: S.string(),
  hasSpotGoods: S.boolean(),
  spotMaxInflow: DECIMAL('Spot major-fund accumulation: the largest net inflow across the spot windows.'),
  spotGoodsList: S.array(WINDOW_ITEM),
  hasContract: S.boolean(),
  contractMaxInflow: DECIMAL('Derivatives major-fund accumulation.'),
  contractList: S.array(WINDOW_ITEM),
});

/** One item of `vs-token/list`. */
export const VS_TOKEN_ITEM_SCHEMA: JsonSchema = S.object({
  vsTokenId: S.string(),
  symbol: S.string(),
  name: S.string(),
  hasSpotGoods: S.boolean(),
  hasContract: S.boolean(),
  spotVenues: S.array(S.string(), 'The venues the spot figures sum.'),
  contractVenues: S.array(S.string(), 'The venues the derivatives figures sum.'),
});

/** The seed envelope around `data` (errors: code ≠ 200 and data null). */
export function openApiEnvelopeSchema(data: JsonSchema): JsonSchema {
  return S.object({
    code: S.integer('200 on success; errors: HTTP status × 100 + case (40000 invalid params, 40104 bad signature, 42900 points exhausted, ...).'),
    message: S.string(),
    data: { ...data, type: [data.type as string, 'null'] },
    requestId: S.string('Also the X-Request-Id header.'),
  });
}
