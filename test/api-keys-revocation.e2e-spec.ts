import { loadConfig } from '@app/config';
import { createDatabase, runMigrations } from '@app/storage';
import { createTestStore, type TestStore } from '@app/storage/testing/test-stores';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKeysCommand } from '../libs/api-keys/src/cli';
import { loadServerSalt } from '../libs/api-keys/src/server-salt';
import { SqlApiKeyStore } from '../libs/api-keys/src/sql-api-key-store';
import { startGateway } from './support/harness';

const STAYS = 'file-key-stays-0123456789';
const LEAVES = 'file-key-leaves-0123456789';
const CLI_MADE = 'cli-made-key-0123456789';

describe('API_KEYS_FILE revocation across a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keys-revocation-'));
  const file = join(dir, 'keys.json');
  let postgres: TestStore | undefined;
  let storageEnv: Record<string, string>;

  beforeAll(async () => {
    // the stores the suite runs on: Postgres when DATABASE_URL is set (CI), else PGlite in a directory of ours
    postgres = process.env.DATABASE_URL ? await createTestStore('postgres') : undefined;
    storageEnv = postgres ? { DATABASE_URL: postgres.storage.databaseUrl! } : { DATA_DIR: join(dir, 'data') };
  });
  afterAll(async () => {
    await postgres?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const status = async (httpUrl: string, key: string) => (await fetch(`${httpUrl}/v1/spreads/recent`, { headers: { 'x-api-key': key } })).status;
  const writeKeys = (keys: string[]) => writeFileSync(file, JSON.stringify(keys.map((key, i) => ({ key, tier: 'contract', name: `file consumer ${i}` }))));

  it('a key removed from the file gets 401 after the restart; the file key left in it and a CLI-made key still work', async () => {
    // the operator adds a key with the CLI (its code path, on the same store), before the service starts
    const db = await createDatabase(loadConfig({ NODE_ENV: 'test', ...storageEnv }));
    try {
      await runMigrations(db);
      const cli = new SqlApiKeyStore(db, await loadServerSalt(db), { cacheMs: 0 });
      expect(await runKeysCommand(cli, ['add', '--name', 'operator', '--tier', 'contract', '--key', CLI_MADE], () => undefined)).toBe(0);
    } finally {
      await db.close();
    }

    writeKeys([STAYS, LEAVES]);
    let gateway = await startGateway({ env: { ...storageEnv, API_KEYS_FILE: file, SPREADS_SOURCE: 'off' } });
    try {
      expect([await status(gateway.httpUrl, STAYS), await status(gateway.httpUrl, LEAVES), await status(gateway.httpUrl, CLI_MADE)]).toEqual([200, 200, 200]);
    } finally {
      await gateway.close();
    }

    writeKeys([STAYS]);
    gateway = await startGateway({ env: { ...storageEnv, API_KEYS_FILE: file, SPREADS_SOURCE: 'off' } });
    try {
      expect(await status(gateway.httpUrl, LEAVES)).toBe(401);
      expect(await status(gateway.httpUrl, STAYS)).toBe(200);
      expect(await status(gateway.httpUrl, CLI_MADE)).toBe(200);
    } finally {
      await gateway.close();
    }
  });
});
