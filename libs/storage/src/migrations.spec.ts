import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findMigrationsDir, readMigrations } from './migrations';

describe('findMigrationsDir', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'find-migrations-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const file = (path: string, content = '') => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  };

  it('finds the source folder from the ts sources', () => {
    expect(findMigrationsDir({})).toBe(resolve(__dirname, '..', 'migrations'));
  });

  it('finds the copy next to the compiled app (dist/apps/gateway/migrations)', () => {
    file('dist/apps/gateway/migrations/001_init.sql');
    mkdirSync(join(root, 'dist/apps/gateway/libs/storage/src'), { recursive: true });
    expect(findMigrationsDir({}, join(root, 'dist/apps/gateway/libs/storage/src'))).toBe(join(root, 'dist/apps/gateway/migrations'));
  });

  it('falls back to the repository folder when the build did not copy it', () => {
    file('libs/storage/migrations/001_init.sql');
    mkdirSync(join(root, 'dist/apps/gateway/libs/storage/src'), { recursive: true });
    expect(findMigrationsDir({}, join(root, 'dist/apps/gateway/libs/storage/src'))).toBe(join(root, 'libs/storage/migrations'));
  });

  it('takes MIGRATIONS_DIR first, and rejects one without 001_init.sql', () => {
    file('elsewhere/001_init.sql');
    expect(findMigrationsDir({ MIGRATIONS_DIR: join(root, 'elsewhere') })).toBe(join(root, 'elsewhere'));
    expect(() => findMigrationsDir({ MIGRATIONS_DIR: root })).toThrow('holds no 001_init.sql');
  });

  it('says what to do when nothing is found', () => {
    expect(() => findMigrationsDir({}, root)).toThrow('set MIGRATIONS_DIR or copy libs/storage/migrations into the build');
  });
});

describe('readMigrations', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'read-migrations-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('orders by version, ignores other files and hashes CRLF and LF alike', () => {
    writeFileSync(join(dir, '100_late.sql'), 'select 100;\r\n');
    writeFileSync(join(dir, '002_early.sql'), 'select 2;\n');
    writeFileSync(join(dir, 'README.md'), 'notes');
    const migrations = readMigrations(dir);
    expect(migrations.map((m) => [m.version, m.file])).toEqual([[2, '002_early.sql'], [100, '100_late.sql']]);
    expect(migrations[1].sql).toBe('select 100;\n');

    writeFileSync(join(dir, '100_late.sql'), 'select 100;\n');
    expect(readMigrations(dir)[1].checksum).toBe(migrations[1].checksum);
  });

  it('rejects a misnamed .sql file and a reused version number', () => {
    writeFileSync(join(dir, '2_bad.sql'), '');
    expect(() => readMigrations(dir)).toThrow('2_bad.sql');
    rmSync(join(dir, '2_bad.sql'));
    writeFileSync(join(dir, '003_a.sql'), '');
    writeFileSync(join(dir, '003_b.sql'), '');
    expect(() => readMigrations(dir)).toThrow('003_a.sql and 003_b.sql share version 3');
  });
});
