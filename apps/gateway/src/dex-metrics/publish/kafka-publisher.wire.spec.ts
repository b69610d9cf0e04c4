import { openMigratedTestDatabase, type MigratedTestDatabase } from '@app/storage/testing/test-stores';
import type { DexMetricsValue } from '../domain/metrics-message';
import { DexStateStore } from '../store/dex-state.store';
import { KafkaEmitter, KafkajsDexLink } from './kafka-publisher';
import { kcatAvailable, startMockCluster, type MockCluster } from './testing/kcat-mock-cluster';

const HAS_KCAT = kcatAvailable();
if (!HAS_KCAT) {
  // eslint-disable-next-line no-console
  console.warn('SKIPPED the Kafka wire test: `kcat` is not installed (apt-get install -y kcat; .ci/run installs it)');
}

const value = (n: number, key: string) => ({ txs_count_24h: n, buyers_24h: n, note_key: key }) as unknown as DexMetricsValue;
const A = 'bsc:0x16b9a82891338f9ba80e2d6970fdda79d1eb0dae-USD';
const B = 'eth:0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640-USD';

(HAS_KCAT ? describe : describe.skip)('KafkaEmitter on the wire (kafkajs transactions → librdkafka mock cluster via kcat, PGlite outbox)', () => {
  const topic = `dex-metrics-wire-${process.pid}`;
  let cluster: MockCluster;
  let testDb: MigratedTestDatabase;
  const warnings: string[] = [];
  const log = { warn: (m: string) => warnings.push(m), log: () => undefined };
  const term = (token: number) => ({ role: 'dex-metrics' as const, token, signal: new AbortController().signal });
  const newEmitter = (store: DexStateStore, controller: AbortController) =>
    new KafkaEmitter({ topic, link: new KafkajsDexLink([cluster.bootstrap], topic, 'wire-spec-dex-metrics', log), outbox: store, signal: controller.signal, retryDelayMs: 200, log });

  beforeAll(async () => {
    cluster = await startMockCluster(topic);
    testDb = await openMigratedTestDatabase('pglite');
  });
  afterAll(async () => {
    cluster?.close();
    await testDb?.dispose();
  });

  it('writes keys, JSON values, tombstones and seq headers; a new term re-sends nothing its predecessor delivered', async () => {
    const first = new DexStateStore(testDb.db, term(1));
    const c1 = new AbortController();
    const e1 = newEmitter(first, c1);
    await first.appendOutbox({ key: A, value: value(1, A), sentAtMs: 1_000 });
    await first.appendOutbox({ key: B, value: value(1, B), sentAtMs: 1_000 });
    e1.kick();
    await cluster.waitFor(2, 15_000);
    await e1.drained();

    // the leader delivers A:2 and B:2 (tombstone), then dies before recording it: the rows stay pending
    await first.appendOutbox({ key: A, value: value(2, A), sentAtMs: 2_000 });
    await first.appendOutbox({ key: B, value: null, sentAtMs: 2_000 });
    const pending = await first.pending(10);
    const link = new KafkajsDexLink([cluster.bootstrap], topic, 'wire-spec-dex-metrics', log);
    await link.open();
    await link.send(pending);
    await link.close();
    c1.abort();
    await e1.stop(0);
    expect((await first.pending(10)).map((r) => [r.key, r.seq])).toEqual([[A, 2], [B, 2]]);

    // the next term: reads the tail, records A:2 and B:2 as delivered, sends only what is new
    const second = new DexStateStore(testDb.db, term(2));
    const c2 = new AbortController();
    const e2 = newEmitter(second, c2);
    await second.appendOutbox({ key: A, value: value(3, A), sentAtMs: 3_000 });
    e2.kick();
    const records = await cluster.waitFor(5, 20_000);
    await e2.drained();
    await new Promise((resolve) => setTimeout(resolve, 500)); // anything sent twice would show up by now
    c2.abort();
    await e2.stop(0);

    const ofKey = (key: string) => cluster.records.filter((r) => r.key === key);
    expect(ofKey(A).map((r) => [r.headers.seq, JSON.parse(r.value!)])).toEqual([['1', value(1, A)], ['2', value(2, A)], ['3', value(3, A)]]);
    expect(ofKey(B).map((r) => [r.headers.seq, r.value === null ? null : JSON.parse(r.value)])).toEqual([['1', value(1, B)], ['2', null]]);
    expect(cluster.records).toHaveLength(5);
    expect(records).toHaveLength(5);
    expect(await second.pending(10)).toEqual([]);
    // one partition per key, offsets increasing: the order Kafka keeps
    for (const key of [A, B]) {
      expect(new Set(ofKey(key).map((r) => r.partition)).size).toBe(1);
      const offsets = ofKey(key).map((r) => r.offset);
      expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
    }
  }, 60_000);
});
