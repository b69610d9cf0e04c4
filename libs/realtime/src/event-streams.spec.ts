import { MetricsService } from '@app/observability';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { ConnectionRegistry, type Connection } from './connection-registry';
import { InMemoryEventLog } from './event-log';
import { eventLogSource } from './event-log-source';
import { refusal, type EventStreamDefinition, type StreamEvent } from './event-stream-definition';
import { DEFAULT_EVENT_STREAM_OPTIONS, EventStreams, type EventStreamOptions } from './event-streams';
import { objectBody, type FrameSink, type SharedFrame } from './frame-sink';
import { DEFAULT_REALTIME_OPTIONS } from './realtime.options';
import { CloseCode } from './ws-protocol';

interface Tick {
  key: string;
  n: number;
  /** epoch ms the tick is due for delayed readers */
  dueAt?: number;
}

/** A sink recording frames as JSON objects, over a fake always-open socket. */
class RecordingSink implements FrameSink {
  readonly frames: Array<Record<string, any>> = [];
  ended?: { closeCode: number; reason: string };
  writable = true;
  readonly socket: { readyState: number; bufferedAmount: number } = { readyState: WebSocket.OPEN, bufferedAmount: 0 };
  readonly connection = { socket: this.socket, outlet: { socket: this.socket, lagSince: 0, latestFrame: () => undefined } } as unknown as Connection;

  write(fields: string, body: Buffer): boolean {
    if (!this.writable) return false;
    this.frames.push(JSON.parse(`{${fields}${body.toString()}`));
    return true;
  }

  writeShared(frame: SharedFrame): boolean {
    return this.write(frame.fields, frame.body);
  }

  end(closeCode: number, reason: string): void {
    this.ended = { closeCode, reason };
    this.socket.readyState = WebSocket.CLOSED;
  }

  events(): Array<Record<string, any>> {
    return this.frames.filter((frame) => frame.type === 'tick');
  }
}

const request = { headers: {}, url: '/ticks' } as IncomingMessage;

function definitionOver(log: InMemoryEventLog, overrides: Partial<EventStreamDefinition<Tick, { only?: string }, string>> = {}) {
  const definition: EventStreamDefinition<Tick, { only?: string }, string> = {
    name: 'test.ticks',
    path: '/ticks',
    metricsLabel: 'test-ticks',
    parse: (raw) => {
      const unknown = Object.keys(raw).filter((name) => name !== 'only');
      if (unknown.length > 0) return refusal('invalid_params', 'invalid query', CloseCode.PolicyViolation, unknown.map((param) => ({ param, message: 'unknown parameter' })));
      return { ok: true, value: typeof raw.only === 'string' ? { only: raw.only } : {} };
    },
    authenticate: async () => ({ ok: true, value: 'someone' }),
    select: (_principal, params) => ({ accepts: (tick) => params.only === undefined || tick.key === params.only, dueAt: (tick) => tick.dueAt ?? 0, key: (tick) => tick.key }),
    source: eventLogSource<Tick>(log, 'test.ticks') as EventStreamDefinition<Tick, { only?: string }, string>['source'],
    render: (event: StreamEvent<Tick>) => objectBody(JSON.stringify({ type: 'tick', seq: event.seq, key: event.payload.key, n: event.payload.n })),
    welcome: () => ({ extra: true }),
    ...overrides,
  };
  return definition;
}

describe('EventStreams', () => {
  let log: InMemoryEventLog;
  let registry: ConnectionRegistry;
  let streams: EventStreams;
  let options: EventStreamOptions;
  const append = (key: string, n: number, dueAt?: number) => log.append<Tick>('test.ticks', { key, n, dueAt });

  beforeEach(() => {
    log = new InMemoryEventLog({ retentionMs: 900_000, maxEvents: 50 });
    registry = new ConnectionRegistry({ ...DEFAULT_REALTIME_OPTIONS, heartbeatMs: 30_000 }, new MetricsService());
    options = { ...DEFAULT_EVENT_STREAM_OPTIONS };
    streams = new EventStreams(registry, new MetricsService(), { ...DEFAULT_REALTIME_OPTIONS, heartbeatMs: 30_000 }, options);
  });

  afterEach(() => {
    streams.onApplicationShutdown();
    registry.stop();
  });

  it('starts with the welcome at the head, then live events with their seq; pings and pongs carry the resume point', async () => {
    await append('a', 1);
    await append('a', 2);
    const sink = new RecordingSink();
    const subscription = await streams.open(definitionOver(log), sink, {}, { request });
    expect(sink.frames).toEqual([{ type: 'welcome', stream: 'test.ticks', seq: 2, resumed: false, heartbeat_ms: 30_000, extra: true }]);
    await append('b', 3);
    subscription!.beat();
    subscription!.pong();
    expect(sink.frames.slice(1)).toEqual([{ type: 'tick', seq: 3, key: 'b', n: 3 }, { type: 'ping', seq: 3 }, { type: 'pong', seq: 3 }]);
    subscription!.close();
    await append('c', 4);
    expect(sink.frames).toHaveLength(4);
  });

  it('resume_from replays every missed event, then continues live with no duplicate and no gap at the boundary', async () => {
    for (let n = 1; n <= 6; n++) await append(n % 2 ? 'odd' : 'even', n);
    const definition = definitionOver(log);
    const read = definition.source.since.bind(definition.source);
    // events keep arriving while the replay is being read: the replay sees some of them, the live buffer all of them
    definition.source.since = async (after, limit, params) => {
      await append('odd', 7);
      const page = await read(after, limit, params);
      await append('even', 8);
      return page;
    };
    const sink = new RecordingSink();
    await streams.open(definition, sink, { resume_from: '2' }, { request });
    await append('odd', 9);
    expect(sink.frames[0]).toEqual({ type: 'welcome', stream: 'test.ticks', seq: 2, resumed: true, heartbeat_ms: 30_000, extra: true });
    expect(sink.events().map((frame) => frame.seq)).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });

  it('replays only what the params select', async () => {
    for (let n = 1; n <= 6; n++) await append(n % 2 ? 'odd' : 'even', n);
    const sink = new RecordingSink();
    await streams.open(definitionOver(log), sink, { only: 'even', resume_from: 1 }, { request });
    expect(sink.events().map((frame) => frame.n)).toEqual([2, 4, 6]);
  });

  it('resumed:false with a gap when the log no longer reaches back, then the initial state', async () => {
    for (let n = 1; n <= 60; n++) await append('a', n);
    const sink = new RecordingSink();
    const initial = async () => [(await log.since<Tick>('test.ticks', 59, 1)).events[0]];
    await streams.open(definitionOver(log, { initial }), sink, { resume_from: '3' }, { request });
    expect(sink.frames[0]).toEqual({
      type: 'welcome', stream: 'test.ticks', seq: 60, resumed: false, heartbeat_ms: 30_000, extra: true,
      gap: { from: 4, to: 60, reason: 'retention', fill: 're-read the current state: the stream restarts from its latest values' },
    });
    expect(sink.events()).toEqual([{ type: 'tick', seq: 60, key: 'a', n: 60 }]);
  });

  it('a resume_from ahead of the head (the log restarted) is a gap too; more than maxReplay missing is one', async () => {
    await append('a', 1);
    const ahead = new RecordingSink();
    await streams.open(definitionOver(log), ahead, { resume_from: '99' }, { request });
    expect(ahead.frames[0]).toMatchObject({ resumed: false, gap: { from: 1, to: 1, reason: 'unknown_seq' } });
    for (let n = 2; n <= 10; n++) await append('a', n);
    options.maxReplay = 3;
    const many = new RecordingSink();
    await streams.open(definitionOver(log, { gapFill: (from) => `history since #${from}` }), many, { resume_from: '2' }, { request });
    expect(many.frames[0]).toMatchObject({ resumed: false, gap: { from: 3, to: 10, reason: 'too_many', fill: 'history since #3' } });
    expect(many.events()).toEqual([]);
  });

  it('holds delayed events until due, replayed ones too; per key in order; the resume point stays below what is held', async () => {
    const now = Date.now();
    await append('a', 1, now + 60_000); // due in a minute
    await append('b', 2);
    const sink = new RecordingSink();
    const subscription = await streams.open(definitionOver(log), sink, { resume_from: '0' }, { request });
    await append('a', 3); // due now, but its key holds an earlier event
    await append('c', 4);
    expect(sink.events().map((frame) => frame.seq)).toEqual([2, 4]);
    subscription!.beat();
    expect(sink.frames.at(-1)).toEqual({ type: 'ping', seq: 0 });
    streams.release(now + 60_000);
    expect(sink.events().map((frame) => frame.seq)).toEqual([2, 4, 1, 3]);
    subscription!.beat();
    expect(sink.frames.at(-1)).toEqual({ type: 'ping', seq: 4 });
  });

  it('charges each event before it goes out; a refused charge ends with its error frame and close code', async () => {
    let balance = 2;
    const charge = async () => (balance-- > 0 ? { ok: true as const } : refusal('points_exhausted', 'points exhausted', CloseCode.Forbidden));
    await append('a', 1);
    const sink = new RecordingSink();
    await streams.open(definitionOver(log, { charge, initial: async () => (await log.since<Tick>('test.ticks', 0, 1)).events }), sink, {}, { request });
    await append('a', 2);
    await append('a', 3);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sink.events().map((frame) => frame.n)).toEqual([1, 2]);
    expect(sink.frames.at(-1)).toEqual({ type: 'error', seq: 2, code: 'points_exhausted', message: 'points exhausted', details: [] });
    expect(sink.ended).toEqual({ closeCode: 4403, reason: 'points_exhausted' });
    expect(streams.size).toBe(0);
  });

  it('refuses bad params with a bounded error frame and 1008, before authenticating', async () => {
    const authenticate = jest.fn(async () => ({ ok: true as const, value: 'x' }));
    for (const raw of [{ nope: '1' }, { resume_from: '-1' }, { resume_from: 'x'.repeat(10_000) }, { only: { nested: true } }]) {
      const sink = new RecordingSink();
      expect(await streams.open(definitionOver(log, { authenticate }), sink, raw, { request })).toBeUndefined();
      expect(sink.frames).toEqual([expect.objectContaining({ type: 'error', code: 'invalid_params', seq: 0 })]);
      expect(JSON.stringify(sink.frames[0]).length).toBeLessThan(1024);
      expect(sink.ended).toEqual({ closeCode: 1008, reason: 'invalid_params' });
    }
    expect(authenticate).not.toHaveBeenCalled();
  });

  it('an event the sender had to skip ends the subscription (1013) with the seq to resume from, never a silent loss', async () => {
    const sink = new RecordingSink();
    await streams.open(definitionOver(log), sink, {}, { request });
    await append('a', 1);
    sink.writable = false;
    await append('a', 2);
    expect(sink.ended).toEqual({ closeCode: 1013, reason: 'overloaded' });
    await append('a', 3);
    expect(sink.events().map((frame) => frame.seq)).toEqual([1]);
  });

  it('lists and finds the declared streams by name', () => {
    const definition = definitionOver(log);
    streams.register(definition);
    expect(streams.definition('test.ticks')).toBe(definition);
    expect(streams.list()).toEqual([definition]);
    expect(() => streams.register(definitionOver(log))).toThrow(/declared twice/);
  });
});
