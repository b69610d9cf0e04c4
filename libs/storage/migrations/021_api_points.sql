-- API points metering (libs/api-keys/src/metering): points used per consumer and quota period.
-- Charged with one conditional upsert, so concurrent calls never overspend.
create table if not exists api_points_usage (
  consumer_id integer not null,
  period_start bigint not null,
  used bigint not null,
  updated_at timestamptz not null default now(),
  primary key (consumer_id, period_start)
);

-- Replay guard of signed requests (libs/api-keys/src/signing): a signature seen once is refused until it expires.
create table if not exists api_signed_requests (
  consumer_id integer not null,
  signature text not null,
  expires_at bigint not null,
  primary key (consumer_id, signature)
);
create index if not exists api_signed_requests_expiry on api_signed_requests (expires_at);
