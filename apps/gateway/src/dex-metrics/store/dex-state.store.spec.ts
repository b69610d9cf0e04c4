import { FencedOutError } from '@app/cluster';
import type { Database } from '@app/storage';
import { availableStoreKinds, openMigratedTestDatabase, type MigratedTestDatabase } from '@app/storage/testing/test-stores';
import type { DexMetricsValue } from '../domain/metrics-message';
import { DexStateStore } from './dex-state.store';

const TERM = { role: 'dex-metrics' as const, token: 100 };

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
    const state = new DexStateStore(db, TERM);
    await state.markListed('bsc:0xa-USD', 1_000);
    await state.markListed('eth:0xb-USD', 1_000);
    await state.saveLastTrades(new Map([['bsc:0xa-USD', 5_000]]));
    await state.saveLastTrades(new Map([['bsc:0xa-USD', 4_000]])); // older: ignored
    await state.markDelisted('eth:0xb-USD', 2_000);

    const reopened = new DexStateStore(db, TERM);
    expect(await reopened.listedSymbols()).toEqual([{ ticker: 'bsc:0xa-USD', lastTradeMs: 5_000 }]);
    expect(await reopened.markListed('bsc:0xa-USD', 9_000)).toEqual({ ticker: 'bsc:0xa-USD', lastTradeMs: 5_000 });
  });

  it('keeps every outbox message in order with its key\'s sequence, and forgets delivered ones', async () => {
    const state = new DexStateStore(db, TERM);
    const value = { txs_count_24h: 3 } as unknown as DexMetricsValue;
    const a1 = await state.appendOutbox({ key: 'a', value, sentAtMs: 10 });
    const b1 = await state.appendOutbox({ key: 'b', value: null, sentAtMs: 11 });
    const a2 = await state.appendOutbox({ key: 'a', value: { ...value, txs_count_24h: 4 }, sentAtMs: 12 });
    expect([a1.seq, b1.seq, a2.seq]).toEqual([1, 1, 2]);
    expect((await state.pending(10)).map((r) => [r.key, r.seq, r.value])).toEqual([
      ['a', 1, { txs_count_24h: 3 }],
      ['b', 1, null],
      ['a', 2, { txs_count_24h: 4 }],
    ]);
    await state.recordDelivered('t', [a1], new Map([[0, 7]]));
    expect((await state.pending(10)).map((r) => [r.key, r.seq])).toEqual([['b', 1], ['a', 2]]);
    expect(await state.kafkaOffsets('t')).toEqual(new Map([[0, 7]]));
    // the tail read found a:2 in Kafka: it is not pending any more; offsets never move back
    await state.recordReconciled('t', new Map([['a', 2]]), new Map([[0, 5], [1, 3]]));
    expect((await state.pending(10)).map((r) => [r.key, r.seq])).toEqual([['b', 1]]);
    expect(await state.kafkaOffsets('t')).toEqual(new Map([[0, 7], [1, 3]]));
    // sequences continue across leaders
    const next = new DexStateStore(db, { role: 'dex-metrics', token: TERM.token + 1 });
    expect((await next.appendOutbox({ key: 'a', value, sentAtMs: 13 })).seq).toBe(3);
  });

  it('refuses every write of a term older than the newest (fencing)', async () => {
    const newer = new DexStateStore(db, { role: 'dex-metrics', token: TERM.token + 10 });
    await newer.markListed('bsc:0xc-USD', 1_000);
    const deposed = new DexStateStore(db, TERM);
    await expect(deposed.appendOutbox({ key: 'c', value: null, sentAtMs: 1 })).rejects.toBeInstanceOf(FencedOutError);
    await expect(deposed.markDelisted('bsc:0xc-USD', 2_000)).rejects.toBeInstanceOf(FencedOutError);
    await expect(deposed.recordDelivered('t', [], new Map([[0, 99]]))).rejects.toBeInstanceOf(FencedOutError);
    expect(await deposed.kafkaOffsets('t')).toEqual(new Map([[0, 7], [1, 3]]));
    expect((await deposed.pending(10)).map((r) => r.key)).not.toContain('c');
  });

  it('remembers pool creation times', async () => {
    const state = new DexStateStore(db, { role: 'dex-metrics', token: 1_000 });
    expect(await state.poolCreatedTime('bsc', '0xp')).toBeUndefined();
    await state.savePoolCreatedTime('bsc', '0xp', 1_619_136_117);
    expect(await state.poolCreatedTime('bsc', '0xp')).toBe(1_619_136_117);
  });
});
