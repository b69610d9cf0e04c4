import type { DexMetricsValue } from '../domain/metrics-message';
import { KafkaPublisher, createKafkaProducer } from './kafka-publisher';
import { kcatAvailable, startMockCluster, type MockCluster } from './testing/kcat-mock-cluster';

const HAS_KCAT = kcatAvailable();
if (!HAS_KCAT) {
  // eslint-disable-next-line no-console
  console.warn('SKIPPED the Kafka wire test: `kcat` is not installed (apt-get install -y kcat; .ci/run installs it)');
}

const value = (n: number, key: string) => ({ txs_count_24h: n, buyers_24h: n, note_key: key }) as unknown as DexMetricsValue;

(HAS_KCAT ? describe : describe.skip)('KafkaPublisher on the wire (kafkajs → librdkafka mock cluster via kcat)', () => {
  const topic = `dex-metrics-wire-${process.pid}`;
  let cluster: MockCluster;
  let publisher: KafkaPublisher;
  const warnings: string[] = [];

  beforeAll(async () => {
    cluster = await startMockCluster(topic);
    publisher = new KafkaPublisher({
      topic,
      producer: createKafkaProducer([cluster.bootstrap], { warn: (m) => warnings.push(m) }),
      retryDelayMs: 200,
    });
  });
  afterAll(async () => {
    await publisher?.stop(1_000);
    cluster?.close();
  });

  it('writes keys and JSON values, a tombstone as a null value, and keeps each key in order', async () => {
    const A = 'bsc:0x16b9a82891338f9ba80e2d6970fdda79d1eb0dae-USD';
    const B = 'eth:0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640-USD';
    publisher.publish({ key: A, value: value(1, A), sentAtMs: 1_000 });
    publisher.publish({ key: B, value: value(1, B), sentAtMs: 1_000 });
    await publisher.drained();
    publisher.publish({ key: A, value: value(2, A), sentAtMs: 2_000 });
    await publisher.drained();
    publisher.publish({ key: B, value: null, sentAtMs: 3_000 });
    publisher.publish({ key: A, value: value(3, A), sentAtMs: 3_000 });
    await publisher.drained();

    const records = await cluster.waitFor(5);
    const ofKey = (key: string) => records.filter((r) => r.key === key);
    expect(ofKey(A).map((r) => JSON.parse(r.value!))).toEqual([value(1, A), value(2, A), value(3, A)]);
    expect(ofKey(B).map((r) => (r.value === null ? null : JSON.parse(r.value)))).toEqual([value(1, B), null]);
    // one partition per key, offsets increasing: the order Kafka keeps
    for (const key of [A, B]) {
      expect(new Set(ofKey(key).map((r) => r.partition)).size).toBe(1);
      const offsets = ofKey(key).map((r) => r.offset);
      expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
    }
    expect(records).toHaveLength(5);
  });
});
