import type { Database } from '@app/storage';
import { availableStoreKinds, openMigratedTestDatabase, type MigratedTestDatabase } from '@app/storage/testing/test-stores';
import type { DexMetricsValue } from '../domain/metrics-message';
import { DexStateStore } from './dex-state.store';

describe.each(availableStoreKinds())('DexStateStore (%s)', (kind) => {
  let testDb: MigratedTestDatabase;
  let db: Database;

  beforeAll(async () => {
    testDb = await openMigratedTestDatabase(kind);
    db = testDb.db;
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  it('keeps listed symbols with their last trade (never moving it back) across a reopen', async () => {
    const state = new DexStateStore(db);
    await state.markListed('bsc:0xa-USD', 1_000);
    await state.markListed('eth:0xb-USD', 1_000);
    await state.saveLastTrades(new Map([['bsc:0xa-USD', 5_000]]));
    await state.saveLastTrades(new Map([['bsc:0xa-USD', 4_000]])); // older: ignored
    await state.markDelisted('eth:0xb-USD', 2_000);

    const reopened = new DexStateStore(db);
    expect(await reopened.listedSymbols()).toEqual([{ ticker: 'bsc:0xa-USD', lastTradeMs: 5_000 }]);
    expect(await reopened.markListed('bsc:0xa-USD', 9_000)).toEqual({ ticker: 'bsc:0xa-USD', lastTradeMs: 5_000 });
  });

  it('keeps the Kafka outbox in order, latest per key, and forgets acknowledged entries', async () => {
    const state = new DexStateStore(db);
    const value = { txs_count_24h: 3 } as unknown as DexMetricsValue;
    state.saveOutbox({ key: 'a', value, sentAtMs: 10, version: 1 });
    state.saveOutbox({ key: 'b', value: null, sentAtMs: 11, version: 2 });
    state.saveOutbox({ key: 'a', value: { ...value, txs_count_24h: 4 }, sentAtMs: 12, version: 3 });
    expect(await state.pendingOutbox()).toEqual([
      { key: 'b', value: null, sentAtMs: 11 },
      { key: 'a', value: { txs_count_24h: 4 }, sentAtMs: 12 },
    ]);
    state.removeOutbox([{ key: 'a', value, sentAtMs: 10, version: 1 }]); // a stale ack leaves the newer message
    state.removeOutbox([{ key: 'b', value: null, sentAtMs: 11, version: 2 }]);
    expect(await state.pendingOutbox()).toEqual([{ key: 'a', value: { txs_count_24h: 4 }, sentAtMs: 12 }]);
  });

  it('remembers pool creation times', async () => {
    const state = new DexStateStore(db);
    expect(await state.poolCreatedTime('bsc', '0xp')).toBeUndefined();
    await state.savePoolCreatedTime('bsc', '0xp', 1_619_136_117);
    expect(await state.poolCreatedTime('bsc', '0xp')).toBe(1_619_136_117);
  });
});
