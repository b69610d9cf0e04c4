-- DEX metrics (seed 004). The rolling windows are rebuilt from the chain on start (see README); what is kept here is
-- what the chain cannot give back: which symbols were listed (to send tombstones for the ones dropped from DEX_POOLS
-- while the service was down), each symbol's last trade (anchors the 24 h rhythm beyond the 24 h we re-read),
-- the Kafka outbox (messages not yet acknowledged), and pool creation times (an expensive lookup).
create table if not exists dex_metrics_symbols (
  ticker text primary key,
  listed_at_ms bigint not null,
  last_trade_ms bigint,
  delisted_at_ms bigint
);

create table if not exists dex_metrics_outbox (
  key text primary key,
  value jsonb,
  sent_at_ms bigint not null
);

create table if not exists dex_metrics_pools (
  chain text not null,
  pool text not null,
  created_time bigint not null,
  primary key (chain, pool)
);
