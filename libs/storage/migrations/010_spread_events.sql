-- Spread event log (apps/gateway/src/spreads). Keyset order is (fired_at_ms, id): total, so paging never
-- loses or repeats rows even when many events share one second. event_id dedupes retried batch writes.
create table if not exists spread_events (
  id bigserial primary key,
  event_id text not null unique,
  fired_at_ms bigint not null,
  event text not null,
  symbol text not null,
  spread_type text not null,
  buy_leg text not null,
  sell_leg text not null,
  buy_exchange text not null,
  sell_exchange text not null,
  buy_kind text not null,
  sell_kind text not null,
  spread_percent double precision not null,
  volume_24h double precision,
  cex_legs smallint not null,
  buy_liquidity_usd double precision,
  sell_liquidity_usd double precision,
  payload jsonb not null
);
create index if not exists spread_events_order on spread_events (fired_at_ms desc, id desc);
create index if not exists spread_events_key on spread_events (symbol, buy_leg, sell_leg, fired_at_ms desc, id desc);
