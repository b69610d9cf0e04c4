import type { DexPool, LegKind } from './quote';

export const SPREAD_TYPES = ['futures/futures', 'spot/futures', 'spot/spot', 'dex/futures', 'spot/dex', 'dex/dex', 'internal/futures'] as const;
export type SpreadType = (typeof SPREAD_TYPES)[number];

export type CloseReason = 'below_close' | 'stale' | 'gate' | 'sanity_cap' | 'reversed';

export interface DexLegMetadata extends DexPool {
  liquidity_usd: number | null;
}

/**
 * What the engine emits. It carries more than the API shows (ids, legs, reasons): `curate` picks the
 * documented fields, so nothing internal leaks.
 */
export interface SpreadEvent {
  /** unique, stable id (dedupes history writes) */
  id: string;
  event: 'open' | 'close';
  symbol: string;
  spread_type: SpreadType;
  buy_leg: string;
  sell_leg: string;
  buy_exchange: string;
  sell_exchange: string;
  buy_kind: LegKind;
  sell_kind: LegKind;
  buy_price: number;
  sell_price: number;
  spread_percent: number;
  /** the smaller 24 h quote volume of the CEX legs; null when a CEX leg's volume is unknown or there is no CEX leg */
  volume_24h: number | null;
  /** how many legs are CEX legs (0 for dex/dex): the volume gate only applies when there is one */
  cex_legs: number;
  buy_mark_price?: number | null;
  sell_mark_price?: number | null;
  stale_since_ms?: number;
  close_reason?: CloseReason;
  dex_metadata?: { buy?: DexLegMetadata; sell?: DexLegMetadata };
  /** detection time, epoch ms */
  fired_at_ms: number;
}

export function spreadTypeOf(a: LegKind, b: LegKind): SpreadType {
  if (a === b) return `${a}/${a}` as SpreadType;
  const kinds = new Set([a, b]);
  if (kinds.has('spot') && kinds.has('futures')) return 'spot/futures';
  if (kinds.has('dex') && kinds.has('futures')) return 'dex/futures';
  return 'spot/dex';
}
