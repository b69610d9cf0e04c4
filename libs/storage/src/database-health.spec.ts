import { Database } from './contracts';
import { checkDatabase } from './database-health';

const fakeDatabase = (ping: () => Promise<void>): Database => ({
  kind: 'postgres',
  ping,
  query: () => Promise.reject(new Error('unused')),
  transaction: () => Promise.reject(new Error('unused')),
  close: () => Promise.resolve(),
});

describe('checkDatabase', () => {
  it('reports down with the cause when ping fails', async () => {
    const result = await checkDatabase(fakeDatabase(() => Promise.reject(new Error('connection refused'))));
    expect(result).toEqual({ database: { status: 'down', kind: 'postgres', message: 'connection refused' } });
  });

  it('reports down instead of hanging when ping never answers', async () => {
    const result = await checkDatabase(fakeDatabase(() => new Promise(() => undefined)), 20);
    expect(result).toEqual({ database: { status: 'down', kind: 'postgres', message: 'no answer within 20 ms' } });
  });
});
