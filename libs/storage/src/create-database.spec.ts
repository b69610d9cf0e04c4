import { createDatabase, describeStorage } from './create-database';
import { PostgresDatabase } from './postgres-database';

describe('createDatabase', () => {
  it('picks Postgres when DATABASE_URL is set (connecting lazily)', async () => {
    const db = await createDatabase({ storage: { databaseUrl: 'postgres://app:secret@127.0.0.1:1/market', dataDir: '/unused' } });
    expect(db).toBeInstanceOf(PostgresDatabase);
    expect(db.kind).toBe('postgres');
    await db.close();
  });
});

describe('describeStorage', () => {
  it('names the server and database but never the credentials', () => {
    const text = describeStorage({ storage: { databaseUrl: 'postgres://app:s3cret@db.internal/market', dataDir: '/data' } });
    expect(text).toBe('Postgres at db.internal:5432/market');
    expect(describeStorage({ storage: { dataDir: '/srv/data' } })).toBe('embedded PGlite in /srv/data');
  });
});
