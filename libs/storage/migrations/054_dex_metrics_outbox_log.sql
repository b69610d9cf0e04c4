-- DEX metrics to Kafka, exactly once across a leader failover (issue 11). The outbox keeps every message the
-- dex-metrics leader made until Kafka has it, in order, each with its per-key sequence (sent as the record header
-- `seq`): no coalescing, so the topic gets every message once and a consumer can check a key has no gap.
-- `dex_metrics_kafka_offsets` is where the topic stood after the last delivery this database recorded: a new leader
-- reads the topic from there to find what its predecessor delivered but did not get to record.
create table if not exists dex_metrics_outbox_log (
  id bigserial primary key,
  key text not null,
  seq bigint not null,
  value json, -- json, not jsonb: the text as sent, so the seed's key order survives
  sent_at_ms bigint not null,
  unique (key, seq)
);

create table if not exists dex_metrics_key_seq (
  key text primary key,
  last_seq bigint not null
);

create table if not exists dex_metrics_kafka_offsets (
  topic text not null,
  kafka_partition integer not null,
  next_offset bigint not null,
  primary key (topic, kafka_partition)
);

-- messages still waiting in the previous outbox (latest per key) move over, oldest first
insert into dex_metrics_key_seq (key, last_seq) select key, 1 from dex_metrics_outbox on conflict (key) do nothing;
insert into dex_metrics_outbox_log (key, seq, value, sent_at_ms) select key, 1, value::json, sent_at_ms from dex_metrics_outbox order by sent_at_ms;
drop table dex_metrics_outbox;
