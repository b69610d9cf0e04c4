import type { DexMetricsValue } from '../domain/metrics-message';
import { KafkaPublisher, type MessageProducer } from './kafka-publisher';

type Sent = { key: string; value: string | null };

/** A producer whose broker can be taken down and brought back. */
function fakeProducer() {
  const state = { up: false, sent: [] as Sent[], sendCalls: 0 };
  const producer: MessageProducer = {
    connect: jest.fn(async () => {
      if (!state.up) throw new Error('Connection error: ECONNREFUSED');
    }),
    disconnect: jest.fn(async () => undefined),
    send: jest.fn(async (record) => {
      state.sendCalls++;
      if (!state.up) throw new Error('broker down');
      for (const m of record.messages) state.sent.push({ key: String(m.key), value: m.value === null ? null : String(m.value) });
      return [];
    }) as MessageProducer['send'],
  };
  return { state, producer };
}

const value = (n: number) => ({ txs_count_24h: n }) as unknown as DexMetricsValue;

describe('KafkaPublisher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('keeps messages while Kafka is down (latest per key) and sends them, in order, on recovery', async () => {
    const { state, producer } = fakeProducer();
    const publisher = new KafkaPublisher({ topic: 't', producer, retryDelayMs: 1_000, maxRetryDelayMs: 4_000 });
    publisher.publish({ key: 'a', value: value(1), sentAtMs: 1 });
    publisher.publish({ key: 'b', value: value(1), sentAtMs: 2 });
    publisher.publish({ key: 'a', value: value(2), sentAtMs: 3 });
    publisher.publish({ key: 'c', value: null, sentAtMs: 4 });
    await jest.advanceTimersByTimeAsync(10_000);
    expect(state.sent).toEqual([]);
    expect(publisher.pending).toBe(3);

    state.up = true;
    await jest.advanceTimersByTimeAsync(4_000);
    expect(state.sent).toEqual([
      { key: 'b', value: '{"txs_count_24h":1}' },
      { key: 'a', value: '{"txs_count_24h":2}' },
      { key: 'c', value: null },
    ]);
    expect(publisher.pending).toBe(0);
    await publisher.stop();
  });

  it('backs off exponentially up to the cap while the broker stays down', async () => {
    const { state, producer } = fakeProducer();
    const publisher = new KafkaPublisher({ topic: 't', producer, retryDelayMs: 1_000, maxRetryDelayMs: 4_000 });
    publisher.publish({ key: 'a', value: value(1), sentAtMs: 1 });
    await jest.advanceTimersByTimeAsync(0);
    const attempts = () => (producer.connect as jest.Mock).mock.calls.length;
    expect(attempts()).toBe(1);
    await jest.advanceTimersByTimeAsync(1_000); // +1 s
    expect(attempts()).toBe(2);
    await jest.advanceTimersByTimeAsync(2_000); // +2 s
    expect(attempts()).toBe(3);
    await jest.advanceTimersByTimeAsync(4_000 * 3); // capped at 4 s
    expect(attempts()).toBe(6);
    expect(state.sent).toEqual([]);
    await publisher.stop(0);
  });

  it('a message made while an older one of its key is in flight goes after it, never before', async () => {
    const { state, producer } = fakeProducer();
    state.up = true;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const realSend = producer.send;
    (producer as { send: MessageProducer['send'] }).send = jest.fn(async (record) => {
      await gate;
      return realSend(record);
    }) as MessageProducer['send'];
    const publisher = new KafkaPublisher({ topic: 't', producer });
    publisher.publish({ key: 'a', value: value(1), sentAtMs: 1 });
    await jest.advanceTimersByTimeAsync(0);
    publisher.publish({ key: 'a', value: value(2), sentAtMs: 2 }); // while v1 is in flight
    release();
    await publisher.drained();
    expect(state.sent.map((m) => m.value)).toEqual(['{"txs_count_24h":1}', '{"txs_count_24h":2}']);
    await publisher.stop();
  });

  it('is bounded: past the cap the oldest metrics message goes, tombstones stay', async () => {
    const { producer } = fakeProducer();
    const dropped: string[] = [];
    const publisher = new KafkaPublisher({ topic: 't', producer, maxPendingKeys: 2, onDrop: (e) => dropped.push(e.key) });
    publisher.publish({ key: 'gone', value: null, sentAtMs: 1 });
    publisher.publish({ key: 'a', value: value(1), sentAtMs: 2 });
    publisher.publish({ key: 'b', value: value(1), sentAtMs: 3 });
    expect(dropped).toEqual(['a']);
    expect(publisher.outbox.peek(10).map((e) => e.key)).toEqual(['gone', 'b']);
    await publisher.stop(0);
  });
});
