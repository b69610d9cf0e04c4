import type { SqlExecutor } from '@app/storage';
import { randomBytes } from 'node:crypto';

const SALT_KEY = 'api_keys.trace_salt';

/**
 * The server salt of trace watermarks, created once on first start and kept in `service_meta` so traces stay
 * the same across restarts and replicas (`on conflict do nothing`: the first replica's salt wins).
 */
export async function loadServerSalt(db: SqlExecutor): Promise<string> {
  await db.query(`insert into service_meta (key, value) values ($1, to_jsonb($2::text)) on conflict (key) do nothing`, [
    SALT_KEY,
    randomBytes(32).toString('hex'),
  ]);
  const { rows } = await db.query<{ value: unknown }>('select value from service_meta where key = $1', [SALT_KEY]);
  const value = rows[0]?.value;
  if (typeof value !== 'string' || value.length < 16) throw new Error(`service_meta.${SALT_KEY} is missing or malformed`);
  return value;
}
