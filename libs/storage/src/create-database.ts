import { AppConfig } from '@app/config';
import { Database } from './contracts';
import { PgliteDatabase } from './pglite/pglite-database';
import { PostgresDatabase } from './postgres-database';

/** Postgres when `DATABASE_URL` is set, else embedded PGlite persisted in `DATA_DIR`. */
export async function createDatabase(config: Pick<AppConfig, 'storage'>): Promise<Database> {
  const { databaseUrl, dataDir } = config.storage;
  return databaseUrl ? new PostgresDatabase(databaseUrl) : PgliteDatabase.open(dataDir);
}

/** Where the data lives, for logs: host, port and database only, never the credentials in the URL. */
export function describeStorage(config: Pick<AppConfig, 'storage'>): string {
  const { databaseUrl, dataDir } = config.storage;
  if (!databaseUrl) return `embedded PGlite in ${dataDir}`;
  const url = new URL(databaseUrl);
  return `Postgres at ${url.hostname}:${url.port || 5432}${url.pathname}`;
}
