-- Depeg events detected by the event_logs stream (apps/gateway/src/depeg). One row per episode and detection
-- threshold: DefiLlama keeps prices but not the live observations, so the live ("current") episodes and their
-- durations would be lost on restart without this table.
create table if not exists depeg_events (
  peg_type text not null,
  -- the detection threshold in basis points (0.01 -> 100): episodes depend on it
  threshold_bp integer not null,
  -- DefiLlama asset id (symbols are not unique)
  stablecoin_id text not null,
  -- unix seconds: the event's timestamp (start of the episode)
  started_at bigint not null,
  -- 'current' while the live price is still beyond the threshold, 'historical' once over
  event_type text not null check (event_type in ('current', 'historical')),
  -- unix seconds: the last time the episode was seen beyond the threshold (a daily run: its last day + 1 day)
  last_seen_at bigint not null,
  -- the event row as last published
  event jsonb not null,
  updated_at timestamptz not null default now(),
  primary key (peg_type, threshold_bp, stablecoin_id, started_at)
);

create index if not exists depeg_events_by_last_seen on depeg_events (peg_type, threshold_bp, last_seen_at);
