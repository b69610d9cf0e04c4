import { FencedOutError } from '@app/cluster';
import type { DexMetricsValue } from '../domain/metrics-message';
import type { DexMessage } from '../flow/dex-message';
import type { DurableOutbox, OutboxRecord, PartitionOffsets } from '../store/dex-state.store';
import { KafkaEmitter, type DexKafkaLink, type PartitionRanges } from './kafka-publisher';

interface TopicRecord {
  key: string;
  seq: number;
  value: string | null;
}

/** A one-partition topic that, like Kafka, lets only the newest producer of the transactional id write. */
class FakeTopic {
  readonly log: TopicRecord[] = [];
  epoch = 0;
  up = true;
  /** the next send writes its records, then fails (a commit whose answer was lost) */
  failAfterWrite = false;

  link(): DexKafkaLink & { epoch: number } {
    const topic = this;
    return {
      epoch: -1,
      async open() {
        if (!topic.up) throw new Error('broker down');
        this.epoch = ++topic.epoch;
      },
      async send(records: readonly OutboxRecord[]) {
        if (!topic.up) throw new Error('broker down');
        if (this.epoch !== topic.epoch) throw new Error('PRODUCER_FENCED');
        const base = topic.log.length;
        topic.log.push(...records.map((r) => ({ key: r.key, seq: r.seq, value: r.value === null ? null : JSON.stringify(r.value) })));
        if (topic.failAfterWrite) {
          topic.failAfterWrite = false;
          throw new Error('request timed out');
        }
        return new Map([[0, base]]);
      },
      async watermarks() {
        return new Map([[0, { low: 0, high: topic.log.length }]]);
      },
      async readSeqs(ranges: PartitionRanges) {
        const seqs = new Map<string, number>();
        const range = ranges.get(0)!;
        for (const record of topic.log.slice(range.from, range.to)) seqs.set(record.key, Math.max(seqs.get(record.key) ?? 0, record.seq));
        return seqs;
      },
      async close() {},
    };
  }
}

/** The outbox table's rules in memory; `crashOnRecord` makes the next delivery record fail like a dead process. */
class MemoryOutbox implements DurableOutbox {
  rows: OutboxRecord[] = [];
  offsets = new Map<number, number>();
  private id = 0;
  private lastSeq = new Map<string, number>();
  crashOnRecord = false;
  fenced = false;

  append(message: DexMessage): OutboxRecord {
    const seq = (this.lastSeq.get(message.key) ?? 0) + 1;
    this.lastSeq.set(message.key, seq);
    const record = { ...message, id: ++this.id, seq };
    this.rows.push(record);
    return record;
  }
  async pending(limit: number) {
    return this.rows.slice(0, limit);
  }
  async recordDelivered(_topic: string, records: readonly OutboxRecord[], next: PartitionOffsets) {
    this.check();
    const ids = new Set(records.map((r) => r.id));
    this.rows = this.rows.filter((r) => !ids.has(r.id));
    this.saveOffsets(next);
  }
  async recordReconciled(_topic: string, delivered: ReadonlyMap<string, number>, next: PartitionOffsets) {
    this.check();
    this.rows = this.rows.filter((r) => r.seq > (delivered.get(r.key) ?? 0));
    this.saveOffsets(next);
  }
  async kafkaOffsets() {
    return new Map(this.offsets);
  }
  private check() {
    if (this.fenced) throw new FencedOutError('dex-metrics', 1);
    if (this.crashOnRecord) throw new Error('the process died before recording the delivery');
  }
  private saveOffsets(next: PartitionOffsets) {
    for (const [p, o] of next) this.offsets.set(p, Math.max(this.offsets.get(p) ?? 0, o));
  }
}

const value = (n: number) => ({ txs_count_24h: n }) as unknown as DexMetricsValue;
const until = async (check: () => boolean, timeoutMs = 2_000) => {
  for (const start = Date.now(); !check(); ) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

/** Each key's sequences as they reached the topic: exactly once and in order means [1, 2, …, n]. */
function seqsByKey(log: TopicRecord[]): Record<string, number[]> {
  const byKey: Record<string, number[]> = {};
  for (const r of log) (byKey[r.key] ??= []).push(r.seq);
  return byKey;
}

function emitter(topic: FakeTopic, outbox: DurableOutbox, controller = new AbortController(), batchSize = 2) {
  return { controller, emitter: new KafkaEmitter({ topic: 't', link: topic.link(), outbox, signal: controller.signal, batchSize, retryDelayMs: 10 }) };
}

describe('KafkaEmitter (durable outbox → Kafka, one term)', () => {
  it('sends every message once, in outbox order, and records the delivery', async () => {
    const topic = new FakeTopic();
    const outbox = new MemoryOutbox();
    const { emitter: e } = emitter(topic, outbox);
    for (let i = 1; i <= 5; i++) outbox.append({ key: i % 2 ? 'a' : 'b', value: value(i), sentAtMs: i });
    e.kick();
    await until(() => outbox.rows.length === 0);
    expect(seqsByKey(topic.log)).toEqual({ a: [1, 2, 3], b: [1, 2] });
    expect(topic.log.map((r) => r.value)).toEqual([1, 2, 3, 4, 5].map((n) => JSON.stringify(value(n))));
    await e.stop();
  });

  it('hands over exactly: what the dead leader delivered but did not record is not sent again, the rest is', async () => {
    const topic = new FakeTopic();
    const outbox = new MemoryOutbox();
    const first = emitter(topic, outbox);
    for (let i = 1; i <= 2; i++) outbox.append({ key: 'a', value: value(i), sentAtMs: i });
    first.emitter.kick();
    await until(() => outbox.rows.length === 0); // a:1, a:2 delivered and recorded
    for (let i = 3; i <= 4; i++) outbox.append({ key: 'a', value: value(i), sentAtMs: i });
    outbox.crashOnRecord = true; // a:3, a:4 reach Kafka, then the leader dies before recording them
    first.emitter.kick();
    await until(() => topic.log.length === 4);
    first.controller.abort();
    await first.emitter.stop(0);
    outbox.crashOnRecord = false;
    expect(outbox.rows.map((r) => r.seq)).toEqual([3, 4]); // still pending in the database

    // the next leader: more messages were made meanwhile (by it)
    for (let i = 5; i <= 6; i++) outbox.append({ key: 'a', value: value(i), sentAtMs: i });
    outbox.append({ key: 'b', value: null, sentAtMs: 7 });
    const second = emitter(topic, outbox);
    second.emitter.kick();
    await until(() => outbox.rows.length === 0);
    expect(seqsByKey(topic.log)).toEqual({ a: [1, 2, 3, 4, 5, 6], b: [1] });
    await second.emitter.stop();
  });

  it('a deposed leader\'s producer is fenced by Kafka and its database writes by the fence', async () => {
    const topic = new FakeTopic();
    const outbox = new MemoryOutbox();
    const old = emitter(topic, outbox);
    outbox.append({ key: 'a', value: value(1), sentAtMs: 1 });
    old.emitter.kick();
    await until(() => outbox.rows.length === 0);
    const next = emitter(topic, outbox);
    next.emitter.kick();
    await until(() => next.emitter.isReady || topic.epoch === 2);
    // the old one did not notice its term ended: its send is refused, nothing doubles
    outbox.append({ key: 'a', value: value(2), sentAtMs: 2 });
    old.emitter.kick();
    next.emitter.kick();
    await until(() => outbox.rows.length === 0);
    expect(seqsByKey(topic.log)).toEqual({ a: [1, 2] });
    outbox.fenced = true;
    outbox.append({ key: 'a', value: value(3), sentAtMs: 3 });
    const errors: Error[] = [];
    const fencedOut = new KafkaEmitter({ topic: 't', link: topic.link(), outbox, signal: new AbortController().signal, retryDelayMs: 10, onError: (e) => errors.push(e) });
    fencedOut.kick();
    await until(() => errors.length > 0);
    expect(errors[0]).toBeInstanceOf(FencedOutError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(errors).toHaveLength(1); // stopped, no retry
    await Promise.all([old.emitter.stop(0), next.emitter.stop(0), fencedOut.stop(0)]);
  });

  it('after a send that failed half-way (records written, answer lost) it re-reads the tail instead of sending twice', async () => {
    const topic = new FakeTopic();
    const outbox = new MemoryOutbox();
    const { emitter: e } = emitter(topic, outbox);
    topic.up = false;
    for (let i = 1; i <= 3; i++) outbox.append({ key: 'a', value: value(i), sentAtMs: i });
    e.kick();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(topic.log).toEqual([]);
    topic.up = true;
    topic.failAfterWrite = true;
    await until(() => outbox.rows.length === 0);
    expect(seqsByKey(topic.log)).toEqual({ a: [1, 2, 3] });
    await e.stop();
  });
});
