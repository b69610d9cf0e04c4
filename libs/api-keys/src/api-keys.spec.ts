import { Database, runMigrations } from '@app/storage';
import { availableStoreKinds, createTestStore, TestStore } from '@app/storage/testing/test-stores';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyAccessError, ApiKeyAuthenticator, apiKeyFromRequest } from './api-key-auth';
import { importApiKeysFile } from './api-keys-file';
import { openApiKeyStore } from './api-keys.module';
import { runKeysCommand } from './cli';
import { hashApiKey, traceWatermark } from './key-hash';
import { loadServerSalt } from './server-salt';
import { SqlApiKeyStore } from './sql-api-key-store';
import { parseApiKeysFile } from './validate-input';

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';

describe.each(availableStoreKinds())('api keys on %s', (kind) => {
  let testStore: TestStore;
  let db: Database;

  // one store per kind (PGlite start-up is slow); every test starts from empty tables
  beforeAll(async () => {
    testStore = await createTestStore(kind);
    db = await testStore.open();
    await runMigrations(db);
  });
  beforeEach(async () => {
    await db.query('truncate api_consumers restart identity');
    await db.query(`delete from service_meta where key like 'api_keys.%'`);
  });
  afterAll(async () => {
    await db.close();
    await testStore.destroy();
  });

  it('stores only the sha256 of a key and finds the consumer by the key', async () => {
    const store = new SqlApiKeyStore(db, await loadServerSalt(db));
    const created = await store.upsert({ key: KEY_A, tier: 'builder', name: 'acme', secret: 'secret-123', points: 500 });
    const { rows } = await db.query<{ key_hash: string }>('select key_hash from api_consumers');
    expect(rows).toEqual([{ key_hash: hashApiKey(KEY_A) }]);
    expect(JSON.stringify(await db.query('select * from api_consumers'))).not.toContain(KEY_A);
    const found = await store.findByKey(KEY_A);
    expect(found).toEqual({ ...created, id: created.id, name: 'acme', tier: 'builder', secret: 'secret-123', points: 500, disabled: false });
    expect(await store.findByKey(KEY_B)).toBeUndefined();
  });

  it('upsert keeps the id and secret, updates tier/points; revoke disables; upsert re-enables', async () => {
    const store = new SqlApiKeyStore(db, await loadServerSalt(db), { cacheMs: 0 });
    const first = await store.upsert({ key: KEY_A, tier: 'machine-dev', name: 'acme', secret: 'secret-123' });
    const second = await store.upsert({ key: KEY_A, tier: 'contract', name: 'acme inc', points: 9 });
    expect(second).toMatchObject({ id: first.id, tier: 'contract', name: 'acme inc', points: 9, secret: 'secret-123' });
    expect(await store.revoke(KEY_A)).toBe(true);
    expect(await store.findByKey(KEY_A)).toBeUndefined();
    expect(await store.revoke(KEY_B)).toBe(false);
    expect((await store.list()).map((c) => c.disabled)).toEqual([true]);
    await store.upsert({ key: KEY_A, tier: 'contract', name: 'acme inc' });
    expect(await store.findByKey(KEY_A)).toMatchObject({ id: first.id, points: 9 });
  });

  it('keeps the server salt, hence traces, across reopenings', async () => {
    const salt = await loadServerSalt(db);
    const store = new SqlApiKeyStore(db, salt);
    const consumer = await store.upsert({ key: KEY_A, tier: 'builder', name: 'acme' });
    await db.close();
    db = await testStore.open();
    expect(await loadServerSalt(db)).toBe(salt);
    const again = await new SqlApiKeyStore(db, await loadServerSalt(db)).findByKey(KEY_A);
    expect(again?.trace).toBe(consumer.trace);
    expect(consumer.trace).toBe(traceWatermark(salt, consumer.id));
    expect(consumer.trace).toMatch(/^c_[0-9a-f]{16}$/);
    expect(consumer.trace).not.toContain(hashApiKey(KEY_A).slice(0, 16));
  });

  it('upserts API_KEYS_FILE at start and the authenticator maps keys to 401/403', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-file-'));
    const file = join(dir, 'keys.json');
    writeFileSync(
      file,
      JSON.stringify([
        { key: KEY_A, secret: 's3cret-aaa', tier: 'machine-dev', name: 'dev', points: 100 },
        { key: KEY_B, secret: 's3cret-bbb', tier: 'contract', name: 'big', points: 1000 },
      ]),
    );
    const store = await openApiKeyStore(db, { auth: { apiKeysFile: file } });
    expect((await store.list()).map((c) => [c.name, c.tier, c.points])).toEqual([
      ['dev', 'machine-dev', 100],
      ['big', 'contract', 1000],
    ]);
    const auth = new ApiKeyAuthenticator(store);
    await expect(auth.authenticate(KEY_B, ['builder', 'contract'])).resolves.toMatchObject({ name: 'big', secret: 's3cret-bbb' });
    await expect(auth.authenticate(undefined)).rejects.toMatchObject({ status: 401 });
    await expect(auth.authenticate('nope-nope-nope-nope')).rejects.toMatchObject({ status: 401 });
    const forbidden = await auth.authenticate(KEY_A, ['builder', 'contract']).catch((e: ApiKeyAccessError) => e);
    expect(forbidden).toBeInstanceOf(ApiKeyAccessError);
    expect((forbidden as ApiKeyAccessError).status).toBe(403);
  });

  it('API_KEYS_FILE is the source of truth for its keys: one removed from the file is disabled at the next start, CLI keys stay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-file-'));
    const file = join(dir, 'keys.json');
    const KEY_C = 'key-c-0123456789abcdef';
    writeFileSync(
      file,
      JSON.stringify([
        { key: KEY_A, tier: 'contract', name: 'stays' },
        { key: KEY_B, tier: 'contract', name: 'leaves' },
      ]),
    );
    await openApiKeyStore(db, { auth: { apiKeysFile: file } });
    const cli = new SqlApiKeyStore(db, await loadServerSalt(db), { cacheMs: 0 });
    await runKeysCommand(cli, ['add', '--name', 'operator', '--tier', 'contract', '--key', KEY_C], () => undefined);

    writeFileSync(file, JSON.stringify([{ key: KEY_A, tier: 'contract', name: 'stays' }]));
    const store = await openApiKeyStore(db, { auth: { apiKeysFile: file } });
    expect(await store.findByKey(KEY_A)).toMatchObject({ name: 'stays' });
    expect(await store.findByKey(KEY_B)).toBeUndefined();
    expect(await store.findByKey(KEY_C)).toMatchObject({ name: 'operator' });
    expect((await store.list()).map((c) => [c.name, c.disabled])).toEqual([
      ['stays', false],
      ['leaves', true],
      ['operator', false],
    ]);

    // the report names the consumers, never their keys; a file with no keys at all disables every file key
    writeFileSync(file, '[]');
    expect(await importApiKeysFile(store, file)).toEqual({ upserted: 0, disabled: ['stays'] });
    expect(await store.findByKey(KEY_C)).toMatchObject({ name: 'operator' });
  });

  it('CLI adds (printing the key once), lists without keys, and revokes', async () => {
    const store = new SqlApiKeyStore(db, await loadServerSalt(db), { cacheMs: 0 });
    const lines: string[] = [];
    expect(await runKeysCommand(store, ['add', '--name', 'cli user', '--tier', 'builder', '--points', '42'], (l) => lines.push(l))).toBe(0);
    const key = /key \(shown once, store it now\): (\S+)/.exec(lines.join('\n'))?.[1];
    expect(key).toMatch(/^mg_/);
    expect(await store.findByKey(key!)).toMatchObject({ name: 'cli user', tier: 'builder', points: 42 });
    lines.length = 0;
    await runKeysCommand(store, ['list'], (l) => lines.push(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('cli user\tbuilder\tpoints=42\tactive');
    expect(lines[0]).not.toContain(key!);
    expect(await runKeysCommand(store, ['revoke', '--key', key!], () => undefined)).toBe(0);
    expect(await store.findByKey(key!)).toBeUndefined();
    await expect(runKeysCommand(store, ['add', '--name', 'x', '--tier', 'gold'], () => undefined)).rejects.toThrow(/tier must be one of/);
  });
});

describe('API_KEYS_FILE parsing and key extraction', () => {
  it('rejects malformed files with the failing entry named', () => {
    expect(() => parseApiKeysFile('{', 'k.json')).toThrow(/k.json: not valid JSON/);
    expect(() => parseApiKeysFile('{}', 'k.json')).toThrow(/expected a JSON array/);
    expect(() => parseApiKeysFile(JSON.stringify([{ key: 'short', tier: 'builder', name: 'a' }]), 'k.json')).toThrow(/k.json\[0\]: key must be/);
    expect(() => parseApiKeysFile(JSON.stringify([{ key: KEY_A, tier: 'builder', name: 'a' }, { key: KEY_A, tier: 'builder', name: 'b' }]), 'k.json')).toThrow(
      /twice/,
    );
  });

  it('reads X-API-Key, and api_key from the query only where allowed', () => {
    expect(apiKeyFromRequest({ headers: { 'x-api-key': ' abc ' }, url: '/x?api_key=q' }, { allowQuery: true })).toBe('abc');
    expect(apiKeyFromRequest({ headers: {}, url: '/x?api_key=q' }, { allowQuery: true })).toBe('q');
    expect(apiKeyFromRequest({ headers: {}, url: '/x?api_key=q' }, { allowQuery: false })).toBeUndefined();
  });
});
