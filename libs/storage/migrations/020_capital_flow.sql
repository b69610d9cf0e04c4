-- Capital flow (seed 002): tracked tokens with stable ids, and the latest 100 points per (token, market, window).
create table if not exists cf_tokens (
  vs_token_id integer primary key,
  symbol text not null unique,
  name text not null,
  created_at timestamptz not null default now()
);

-- A point = the flows of the window that ends at point_time (epoch ms): (point_time - window, point_time].
-- Amounts in USD, exact decimals (summed from exchange strings).
create table if not exists cf_points (
  vs_token_id integer not null references cf_tokens (vs_token_id),
  market text not null check (market in ('spot', 'contract')),
  window_minutes integer not null,
  point_time bigint not null,
  trade_inflow numeric(38, 8) not null,
  trade_amount numeric(38, 8) not null,
  venues text not null,
  updated_at timestamptz not null default now(),
  primary key (vs_token_id, market, window_minutes, point_time)
);
