-- API consumers (libs/api-keys). The key itself is never stored: only its sha256 hex digest.
-- The secret is stored because verifying a capital-flow signature needs it.
create table if not exists api_consumers (
  id serial primary key,
  key_hash text not null unique,
  name text not null,
  tier text not null check (tier in ('machine-dev', 'builder', 'contract')),
  secret text not null,
  points integer not null default 0,
  disabled boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
