import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMBEDDED_POSTGRES_SETTINGS, embeddedPgliteOptions, embeddedStartParams } from './pglite-options';
import { PgliteDatabase } from './pglite-database';

const DURABILITY_SETTINGS = ['fsync', 'synchronous_commit', 'full_page_writes', 'wal_level', 'wal_sync_method', 'data_sync_retry'];

describe('embedded PGlite options', () => {
  it("keeps PGlite's own start parameters first and unchanged, then adds ours as -c name=value", () => {
    const params = embeddedStartParams();
    const defaults = PGlite.defaultStartParams;
    expect(params.slice(0, defaults.length)).toEqual(defaults);
    expect(params.slice(defaults.length)).toEqual(['-c', 'shared_buffers=16MB']);
    expect(embeddedPgliteOptions().startParams).toEqual(params);
  });

  it('sizes memory only: no durability or WAL setting is among ours', () => {
    for (const name of DURABILITY_SETTINGS) expect(Object.keys(EMBEDDED_POSTGRES_SETTINGS)).not.toContain(name);
  });

  describe('on a real data directory', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pglite-options-spec-'));
    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    const settings = async (db: PgliteDatabase) => {
      const { rows } = await db.query<{ name: string; setting: string }>(
        'select name, setting from pg_settings where name = any($1) order by name',
        [['shared_buffers', ...DURABILITY_SETTINGS]],
      );
      return Object.fromEntries(rows.map((row) => [row.name, row.setting]));
    };

    // the same figures on the first start (initdb in its own thread) and on a reopen
    it.each(['first start', 'reopen'])('the running server has our settings and the durability ones as before (%s)', async () => {
      const db = await PgliteDatabase.open(dataDir);
      try {
        expect(await settings(db)).toEqual({
          shared_buffers: '2048', // 8 kB pages: 16 MB
          // unchanged by this change: PGlite's start parameters (-F) and Postgres' defaults
          fsync: 'off',
          synchronous_commit: 'on',
          full_page_writes: 'on',
          wal_level: 'replica',
          wal_sync_method: expect.any(String),
          data_sync_retry: 'off',
        });
      } finally {
        await db.close();
      }
    });
  });
});
