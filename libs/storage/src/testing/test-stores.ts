import { AppConfig } from '@app/config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { Database } from '../contracts';
import { createDatabase } from '../create-database';
import { runMigrations } from '../migrations';

export type StoreKind = Database['kind'];

/** A throw-away store for one test run; `open()` may be called again after closing, to test reopening. */
export interface TestStore {
  readonly kind: StoreKind;
  readonly storage: AppConfig['storage'];
  open(): Promise<Database>;
  /** drops the database or deletes the directory; close every handle first */
  destroy(): Promise<void>;
}

/** PGlite always; Postgres too when `DATABASE_URL` points at a server where we may create databases. */
export function availableStoreKinds(env: NodeJS.ProcessEnv = process.env): StoreKind[] {
  return env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export async function createTestStore(kind: StoreKind, env: NodeJS.ProcessEnv = process.env): Promise<TestStore> {
  return kind === 'pglite' ? pgliteStore() : postgresStore(requireUrl(env));
}

function pgliteStore(): TestStore {
  const dataDir = mkdtempSync(join(tmpdir(), 'storage-spec-'));
  const storage = { dataDir };
  return {
    kind: 'pglite',
    storage,
    open: () => createDatabase({ storage }),
    destroy: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/** A uniquely named database per run, so parallel runs (and their advisory locks) never meet. */
async function postgresStore(adminUrl: string): Promise<TestStore> {
  const name = `storage_spec_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await withAdmin(adminUrl, (admin) => admin.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const storage = { databaseUrl: url.toString(), dataDir: tmpdir() };
  return {
    kind: 'postgres',
    storage,
    open: () => createDatabase({ storage }),
    destroy: () => withAdmin(adminUrl, (admin) => admin.query(`drop database if exists ${name} with (force)`)),
  };
}

async function withAdmin(url: string, work: (admin: Pool) => Promise<unknown>): Promise<void> {
  const admin = new Pool({ connectionString: url, max: 1 });
  try {
    await work(admin);
  } finally {
    await admin.end();
  }
}

function requireUrl(env: NodeJS.ProcessEnv): string {
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL is not set');
  return env.DATABASE_URL;
}

/** A throw-away database with the project's migrations applied, and the one call that closes and removes it. */
export interface MigratedTestDatabase {
  db: Database;
  dispose(): Promise<void>;
}

export async function openMigratedTestDatabase(kind: StoreKind, env: NodeJS.ProcessEnv = process.env): Promise<MigratedTestDatabase> {
  const store = await createTestStore(kind, env);
  const db = await store.open();
  await runMigrations(db);
  return {
    db,
    dispose: async () => {
      await db.close();
      await store.destroy();
    },
  };
}

/** `db` with its `query` calls counted (what batching code is judged by); transactions and the rest pass through. */
export function countingStatements(db: Database): { db: Database; statements: () => number } {
  let statements = 0;
  const counted: Database = Object.create(db);
  counted.query = (sql, params, options) => {
    statements++;
    return db.query(sql, params, options);
  };
  return { db: counted, statements: () => statements };
}
