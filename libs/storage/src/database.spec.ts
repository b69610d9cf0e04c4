import { ConfigModule, loadConfig } from '@app/config';
import { Test } from '@nestjs/testing';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database, DATABASE, SqlExecutor } from './contracts';
import { checkDatabase } from './database-health';
import { findMigrationsDir, readMigrations, runMigrations } from './migrations';
import { StorageModule } from './storage.module';
import { availableStoreKinds, createTestStore, TestStore } from './testing/test-stores';
import { TransactionRolledBackError } from './transaction';

// Opening a fresh PGlite directory runs initdb (several seconds); one store per backend is shared by the suite.
const OPEN_TIMEOUT = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const realMigrations = readMigrations(findMigrationsDir()).map((migration) => migration.file);

describe.each(availableStoreKinds())('Database on %s', (kind) => {
  let store: TestStore;
  let db: Database;
  const scratchDirs: string[] = [];

  beforeAll(async () => {
    store = await createTestStore(kind);
    db = await store.open();
    await db.query('create table items (id serial primary key, name text unique not null, qty int8 not null default 0)');
  }, OPEN_TIMEOUT);

  afterAll(async () => {
    await db?.close();
    await store?.destroy();
    for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
  }, OPEN_TIMEOUT);

  const names = async (table: string) => (await db.query<{ name: string }>(`select name from ${table} order by id`)).rows.map((row) => row.name);

  /** A migrations directory holding the real 001 plus `files`, so it extends the schema the real set built. */
  function migrationsDir(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-spec-'));
    scratchDirs.push(dir);
    copyFileSync(join(findMigrationsDir(), '001_init.sql'), join(dir, '001_init.sql'));
    for (const [file, sql] of Object.entries(files)) writeFileSync(join(dir, file), sql);
    return dir;
  }

  it('reports its kind, answers ping and reads as up', async () => {
    expect(db.kind).toBe(kind);
    await expect(db.ping()).resolves.toBeUndefined();
    await expect(checkDatabase(db)).resolves.toEqual({ database: { status: 'up', kind } });
  });

  it('binds $n parameters and returns the same JS values as node-postgres', async () => {
    const { rows, rowCount } = await db.query(
      `select $1::int + 1 as n, $2::text as s, count(*) as c, 9007199254740993::int8 as big, 1.50::numeric as price,
              $3::jsonb as doc, $4::jsonb as doc_from_text, $5::timestamptz as at, $6::text is null as missing`,
      [2, 'x', { a: [1, 2] }, '{"b":true}', new Date(0), null],
    );
    expect(rowCount).toBe(1);
    expect(rows).toEqual([
      { n: 3, s: 'x', c: '1', big: '9007199254740993', price: '1.50', doc: { a: [1, 2] }, doc_from_text: { b: true }, at: new Date(0), missing: true },
    ]);
  });

  it('runs a statement prepared under a name again and again, with new parameters, on every pooled connection', async () => {
    const sql = 'select $1::int * 2 as n, $2::text[] as tags';
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => db.query(sql, [i, [`t${i}`, null]], { prepareAs: 'spec:double' })));
    expect(results.map(({ rows }) => rows[0])).toEqual(Array.from({ length: 24 }, (_, i) => ({ n: 2 * i, tags: [`t${i}`, null] })));
  });

  it('returns rows from INSERT ... RETURNING and counts affected rows', async () => {
    const inserted = await db.query<{ name: string; qty: string }>('insert into items (name, qty) values ($1, $2), ($3, $4) returning name, qty', ['apple', 3, 'pear', 5]);
    expect(inserted.rows).toEqual([{ name: 'apple', qty: '3' }, { name: 'pear', qty: '5' }]);
    expect(inserted.rowCount).toBe(2);
    const updated = await db.query('update items set qty = qty + 1 where name in ($1, $2)', ['apple', 'pear']);
    expect(updated).toEqual({ rows: [], rowCount: 2 });
  });

  it('runs several statements when given no parameters and returns the last one', async () => {
    const { rows } = await db.query('create table scratch (v int); insert into scratch values (7); select v * 2 as doubled from scratch');
    expect(rows).toEqual([{ doubled: 14 }]);
  });

  it('rejects a constraint violation with the Postgres error fields', async () => {
    await expect(db.query('insert into items (name) values ($1)', ['apple'])).rejects.toMatchObject({ code: '23505', constraint: 'items_name_key' });
  });

  describe('transactions', () => {
    beforeAll(async () => {
      await db.query('create table ledger (id serial primary key, name text not null)');
    });
    beforeEach(async () => {
      await db.query('delete from ledger');
    });
    const add = (tx: SqlExecutor, name: string) => tx.query('insert into ledger (name) values ($1)', [name]);

    it('commits and returns the callback value', async () => {
      const result = await db.transaction(async (tx) => {
        await add(tx, 'one');
        await add(tx, 'two');
        return (await tx.query<{ n: string }>('select count(*) as n from ledger')).rows[0].n;
      });
      expect(result).toBe('2');
      expect(await names('ledger')).toEqual(['one', 'two']);
    });

    it('rolls back everything when the callback throws, and rethrows', async () => {
      await expect(
        db.transaction(async (tx) => {
          await add(tx, 'doomed');
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect(await names('ledger')).toEqual([]);
    });

    it('keeps concurrent transactions apart: rolling one back leaves the other committed', async () => {
      const failing = db.transaction(async (tx) => {
        await add(tx, 'a1');
        await sleep(30);
        await add(tx, 'a2');
        throw new Error('a fails');
      });
      const committing = db.transaction(async (tx) => {
        await add(tx, 'b1');
        await sleep(10);
        await add(tx, 'b2');
        return 'b done';
      });
      await expect(failing).rejects.toThrow('a fails');
      await expect(committing).resolves.toBe('b done');
      expect(await names('ledger')).toEqual(['b1', 'b2']);
    });

    it('fails instead of committing when the callback swallowed a failed statement', async () => {
      await expect(
        db.transaction(async (tx) => {
          await add(tx, 'lost');
          await tx.query('select 1 / 0').catch(() => undefined);
        }),
      ).rejects.toBeInstanceOf(TransactionRolledBackError);
      expect(await names('ledger')).toEqual([]);
    });

    it('refuses db.query inside a transaction callback (it would deadlock on PGlite) and stays usable', async () => {
      await expect(db.transaction(() => db.query('select 1'))).rejects.toThrow('use the `tx` executor');
      await expect(db.query<{ one: number }>('select 1 as one')).resolves.toEqual({ rows: [{ one: 1 }], rowCount: 1 });
    });

    it('refuses a transaction executor used after its transaction ended', async () => {
      let leaked: SqlExecutor | undefined;
      await db.transaction(async (tx) => {
        leaked = tx;
      });
      await expect(leaked!.query('select 1')).rejects.toThrow('transaction already finished');
    });
  });

  describe('migrations', () => {
    it('applies each file once, in version order, and nothing on a second run', async () => {
      expect(await runMigrations(db)).toEqual(realMigrations);
      expect(await runMigrations(db)).toEqual([]);
      await db.query(`insert into service_meta (key, value) values ('probe', '{"ok":true}')`);

      // 910 fills the table 902 creates, so running them out of order would fail.
      const dir = migrationsDir({
        '910_fill_widgets.sql': "insert into widgets (name) values ('w1');\ninsert into widgets (name) values ('w2');",
        '902_widgets.sql': 'create table widgets (id serial primary key, name text not null);',
      });
      expect(await runMigrations(db, { dir })).toEqual(['902_widgets.sql', '910_fill_widgets.sql']);
      expect(await runMigrations(db, { dir })).toEqual([]);
      expect(await names('widgets')).toEqual(['w1', 'w2']);
    });

    it('applies a new file exactly once when two replicas migrate at the same moment', async () => {
      const dir = migrationsDir({ '920_gadgets.sql': 'create table gadgets (id int primary key);' });
      // Postgres: two pools, as two replicas would have; PGlite: one process, so the same handle twice.
      const other = kind === 'postgres' ? await store.open() : db;
      try {
        const [first, second] = await Promise.all([runMigrations(db, { dir }), runMigrations(other, { dir })]);
        const appliedByEither = [...first, ...second];
        expect(appliedByEither).toContain('920_gadgets.sql');
        expect(new Set(appliedByEither).size).toBe(appliedByEither.length);
      } finally {
        if (other !== db) await other.close();
      }
      const { rows } = await db.query<{ file: string }>('select file from schema_migrations where version = 920');
      expect(rows).toEqual([{ file: '920_gadgets.sql' }]);
    });

    it('stops at an applied file that was edited, before applying any later file', async () => {
      const edited = migrationsDir({ '902_widgets.sql': 'create table widgets (id bigserial primary key, name text not null);', '930_more.sql': 'create table more (id int);' });
      await expect(runMigrations(db, { dir: edited })).rejects.toThrow('902_widgets.sql was changed after it was applied');
      await expect(db.query("select to_regclass('more') as t")).resolves.toMatchObject({ rows: [{ t: null }] });
    });

    it('names the failing file and records nothing of it', async () => {
      const dir = migrationsDir({ '940_broken.sql': 'create table half_done (id int);\ncreate tabel typo (id int);' });
      await expect(runMigrations(db, { dir })).rejects.toThrow(/^migration 940_broken.sql failed: syntax error/);
      await expect(db.query("select to_regclass('half_done') as t")).resolves.toMatchObject({ rows: [{ t: null }] });
      await expect(db.query('select file from schema_migrations where version = 940')).resolves.toMatchObject({ rowCount: 0 });
    });
  });

  it('keeps data across a restart: StorageModule reopens the store, applies nothing, and closes it on shutdown', async () => {
    await db.close();
    await expect(db.query('select 1')).rejects.toThrow();
    await expect(checkDatabase(db)).resolves.toMatchObject({ database: { status: 'down', kind } });

    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: store.storage.databaseUrl, DATA_DIR: store.storage.dataDir });
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), StorageModule.forRoot()] }).compile();
    db = moduleRef.get<Database>(DATABASE);
    expect(db.kind).toBe(kind);
    await expect(db.query(`select value from service_meta where key = 'probe'`)).resolves.toMatchObject({ rows: [{ value: { ok: true } }] });
    expect(await names('items')).toEqual(['apple', 'pear']);
    const recorded = await db.query<{ file: string }>('select file from schema_migrations order by version');
    expect(recorded.rows.map((row) => row.file)).toEqual([...realMigrations, '902_widgets.sql', '910_fill_widgets.sql', '920_gadgets.sql']);

    await moduleRef.close();
    await expect(db.ping()).rejects.toThrow();
  }, OPEN_TIMEOUT);
});
