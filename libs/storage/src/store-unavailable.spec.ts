import { createServer } from 'node:net';
import Redis from 'ioredis';
import { PostgresDatabase } from './postgres-database';
import { isPostgresConnectionError, isRedisConnectionError, StoreUnavailableError, unavailableStore } from './store-unavailable';

/** A loopback port nothing listens on (free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('store outages are told apart from other errors', () => {
  it('a Postgres that cannot be reached fails queries and transactions with StoreUnavailableError("database")', async () => {
    const db = new PostgresDatabase(`postgres://postgres@127.0.0.1:${await closedPort()}/none`, 2);
    try {
      const query = db.query('select 1').catch((error: unknown) => error);
      const transaction = db.transaction((tx) => tx.query('select 1')).catch((error: unknown) => error);
      for (const error of [await query, await transaction]) {
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect(error).toMatchObject({ store: 'database', message: expect.stringContaining('ECONNREFUSED') });
        expect(unavailableStore(error)).toBe('database');
      }
    } finally {
      await db.close();
    }
  });

  it('recognises pg connection failures by SQLSTATE and message, and leaves statement errors alone', () => {
    const pgError = (message: string, code?: string) => Object.assign(new Error(message), { code });
    expect(isPostgresConnectionError(pgError('terminating connection due to administrator command', '57P01'))).toBe(true);
    expect(isPostgresConnectionError(pgError('the database system is starting up', '57P03'))).toBe(true);
    expect(isPostgresConnectionError(pgError('connection failure', '08006'))).toBe(true);
    expect(isPostgresConnectionError(pgError('Connection terminated unexpectedly'))).toBe(true);
    expect(isPostgresConnectionError(pgError('syntax error at or near "selec"', '42601'))).toBe(false);
    expect(isPostgresConnectionError(pgError('duplicate key value violates unique constraint', '23505'))).toBe(false);
    expect(unavailableStore(pgError('duplicate key value', '23505'))).toBeUndefined();
    expect(unavailableStore(new Error('boom'))).toBeUndefined();
  });

  it('an ioredis command without a connection is a Redis outage', async () => {
    const redis = new Redis(`redis://127.0.0.1:${await closedPort()}`, { maxRetriesPerRequest: 1, retryStrategy: () => 20 });
    redis.on('error', () => undefined);
    try {
      const error = await redis.get('k').catch((failure: unknown) => failure);
      expect(isRedisConnectionError(error)).toBe(true);
      expect(unavailableStore(error)).toBe('redis');
    } finally {
      redis.disconnect();
    }
  });
});
