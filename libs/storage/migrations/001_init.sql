-- Small service-wide state that belongs to no feature table: e.g. a scheduler's last-run marker or a
-- data-format version. Feature tables arrive in their own numbered files.
create table if not exists service_meta (
  key text primary key,
  value jsonb not null,
  updated_at timestamptz not null default now()
);
