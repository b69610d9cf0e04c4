-- Where an API consumer comes from (libs/api-keys): 'file' = upserted from API_KEYS_FILE, which is then the source
-- of truth for it (disabled at start once it leaves the file); 'cli' = made with `npm run keys` (never touched by the
-- file). Rows from before this column existed cannot be told apart: they count as 'cli', so nothing is disabled on a guess.
alter table api_consumers add column if not exists origin text not null default 'cli' check (origin in ('cli', 'file'));
