import type { SpreadEvent } from '../domain/spread-event';

/** The documented event fields of recent and live (seed 003 "Event fields"): an allowlist, nothing else leaves. */
export interface CuratedEvent {
  received_at: number;
  event: 'open' | 'close';
  symbol: string;
  spread_type: string;
  buy_exchange: string;
  sell_exchange: string;
  buy_kind: string;
  sell_kind: string;
  buy_price: number;
  sell_price: number;
  spread_percent: number;
  volume_24h: number | null;
  buy_mark_price?: number | null;
  sell_mark_price?: number | null;
  stale_since_ms?: number;
  dex_metadata?: SpreadEvent['dex_metadata'];
}

/** History rows: the same fields plus `fired_at` (unix seconds) and `is_stale` (closed because a leg went stale). */
export interface CuratedHistoryEvent extends Omit<CuratedEvent, 'received_at'> {
  fired_at: number;
  is_stale: boolean;
}

export function curateEvent(event: SpreadEvent): CuratedEvent {
  const curated: CuratedEvent = {
    received_at: event.fired_at_ms / 1000,
    ...commonFields(event),
  };
  return curated;
}

export function curateHistoryEvent(event: SpreadEvent): CuratedHistoryEvent {
  return { ...commonFields(event), fired_at: Math.floor(event.fired_at_ms / 1000), is_stale: event.close_reason === 'stale' };
}

function commonFields(event: SpreadEvent): Omit<CuratedEvent, 'received_at'> {
  const fields: Omit<CuratedEvent, 'received_at'> = {
    event: event.event,
    symbol: event.symbol,
    spread_type: event.spread_type,
    buy_exchange: event.buy_exchange,
    sell_exchange: event.sell_exchange,
    buy_kind: event.buy_kind,
    sell_kind: event.sell_kind,
    buy_price: event.buy_price,
    sell_price: event.sell_price,
    spread_percent: round2(event.spread_percent),
    volume_24h: event.volume_24h,
  };
  if (event.event === 'open') {
    fields.buy_mark_price = event.buy_mark_price ?? null;
    fields.sell_mark_price = event.sell_mark_price ?? null;
  } else if (event.stale_since_ms !== undefined) {
    fields.stale_since_ms = event.stale_since_ms;
  }
  if (event.dex_metadata) {
    fields.dex_metadata = {};
    if (event.dex_metadata.buy) fields.dex_metadata.buy = pickDex(event.dex_metadata.buy);
    if (event.dex_metadata.sell) fields.dex_metadata.sell = pickDex(event.dex_metadata.sell);
  }
  return fields;
}

function pickDex(meta: NonNullable<NonNullable<SpreadEvent['dex_metadata']>['buy']>) {
  return { chain: meta.chain, dex: meta.dex, pool_address: meta.pool_address, liquidity_usd: meta.liquidity_usd };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
