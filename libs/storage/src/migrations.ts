import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Database } from './contracts';

export interface Migration {
  version: number;
  /** file name, e.g. `001_init.sql` */
  file: string;
  sql: string;
  checksum: string;
}

const FILE_PATTERN = /^(\d{3})_[a-z0-9_]+\.sql$/;
/** A file every migrations directory of ours has: how we tell it from any other folder called `migrations`. */
const MARKER_FILE = '001_init.sql';
/** Any constant works: it only has to be the same in every replica. */
const MIGRATION_LOCK_KEY = 4_120_801;

/**
 * The migrations directory: `MIGRATIONS_DIR` if set; else, walking up from this file, the first
 * `libs/storage/migrations` or `migrations` holding `001_init.sql`. That finds the sources' folder from ts
 * (libs/storage/src -> libs/storage/migrations) and, in a build, the copy at `dist/apps/gateway/migrations`.
 */
export function findMigrationsDir(env: NodeJS.ProcessEnv = process.env, start = __dirname): string {
  if (env.MIGRATIONS_DIR) {
    const dir = resolve(env.MIGRATIONS_DIR);
    if (!existsSync(join(dir, MARKER_FILE))) throw new Error(`MIGRATIONS_DIR=${dir} holds no ${MARKER_FILE}`);
    return dir;
  }
  for (let dir = start; ; dir = dirname(dir)) {
    for (const candidate of [join(dir, 'libs', 'storage', 'migrations'), join(dir, 'migrations')]) {
      if (existsSync(join(candidate, MARKER_FILE))) return candidate;
    }
    if (dirname(dir) === dir) break;
  }
  throw new Error(`no migrations directory (with ${MARKER_FILE}) above ${start}; set MIGRATIONS_DIR or copy libs/storage/migrations into the build`);
}

/** The `NNN_name.sql` files of `dir` in version order; a misnamed `.sql` file or a reused number is an error. */
export function readMigrations(dir: string): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = FILE_PATTERN.exec(file);
      if (!match) throw new Error(`migration ${file} in ${dir} is not named NNN_lowercase_name.sql`);
      // CRLF checkouts must not look like an edited migration.
      const sql = readFileSync(join(dir, file), 'utf8').replace(/\r\n/g, '\n');
      return { version: Number(match[1]), file, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((migration, index) => {
    if (index > 0 && migrations[index - 1].version === migration.version) {
      throw new Error(`migrations ${migrations[index - 1].file} and ${migration.file} share version ${migration.version}`);
    }
  });
  return migrations;
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, in order, each in its own transaction with its
 * record. Every transaction first takes a transaction-level advisory lock, so replicas starting together apply
 * each file once. An applied file whose content changed stops start-up: fix forward with a new file.
 * Returns the files applied by this call.
 */
export async function runMigrations(db: Database, options: { dir?: string } = {}): Promise<string[]> {
  const applied: string[] = [];
  for (const migration of readMigrations(options.dir ?? findMigrationsDir())) {
    const didApply = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      await tx.query(`create table if not exists schema_migrations (
        version integer primary key,
        file text not null,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`);
      const { rows } = await tx.query<{ checksum: string }>('select checksum from schema_migrations where version = $1', [migration.version]);
      if (rows[0]) {
        if (rows[0].checksum !== migration.checksum) {
          throw new Error(`migration ${migration.file} was changed after it was applied; add a new migration instead`);
        }
        return false;
      }
      await tx.query(migration.sql).catch((error: unknown) => {
        throw new Error(`migration ${migration.file} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      });
      await tx.query('insert into schema_migrations (version, file, checksum) values ($1, $2, $3)', [
        migration.version,
        migration.file,
        migration.checksum,
      ]);
      return true;
    });
    if (didApply) applied.push(migration.file);
  }
  return applied;
}
