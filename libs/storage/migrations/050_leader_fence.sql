-- Fencing tokens of the cluster's singleton roles (issue 11): every leader-only durable write checks, in its own
-- transaction, that its term's token is the newest recorded for the role (libs/cluster assertFence).
create table if not exists leader_fence (
  role text primary key,
  token bigint not null,
  updated_at timestamptz not null default now()
);
