import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { LoggedEvent } from './event-log';
import { RedisStreamsEventLog } from './redis-event-log';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(10);
  }
}

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

const describeIfRedis = process.env.REDIS_URL ? describe : describe.skip;

describeIfRedis('RedisStreamsEventLog (REDIS_URL)', () => {
  const prefix = `test:event-log:${randomBytes(4).toString('hex')}:`;
  let redis: Redis;
  const logs: RedisStreamsEventLog[] = [];
  const open = (options: Partial<ConstructorParameters<typeof RedisStreamsEventLog>[1]> = {}) => {
    const log = new RedisStreamsEventLog(redis, { retentionMs: 60_000, maxEvents: 5, keyPrefix: prefix, blockMs: 1_000, ...options });
    logs.push(log);
    return log;
  };

  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL!);
  });
  afterEach(async () => {
    await Promise.all(logs.splice(0).map((log) => log.close()));
  });
  afterAll(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it('two replicas appending at once: contiguous seqs, and every listener on both gets every event once, in seq order', async () => {
    const [a, b] = [open({ maxEvents: 1_000 }), open({ maxEvents: 1_000 })];
    const seen: Record<string, Array<LoggedEvent<{ from: string; n: number }>>> = { a: [], b: [] };
    a.subscribe<{ from: string; n: number }>('s1', (event) => seen.a.push(event));
    b.subscribe<{ from: string; n: number }>('s1', (event) => seen.b.push(event));
    // the readers start after the head: wait until both read the stream
    expect(await a.head('s1')).toBe(0);
    expect(await b.head('s1')).toBe(0);
    const appended = await Promise.all(
      Array.from({ length: 100 }, (_, n) => (n % 2 === 0 ? a : b).append('s1', { from: n % 2 === 0 ? 'a' : 'b', n })),
    );
    expect(appended.map((event) => event.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    // one replica's appends keep their call order
    const fromA = appended.filter((event) => event.payload.from === 'a');
    expect(fromA.map((event) => event.payload.n)).toEqual([...fromA].sort((x, y) => x.seq - y.seq).map((event) => event.payload.n));
    await waitFor(() => seen.a.length >= 100 && seen.b.length >= 100, 5_000, 'both listeners got 100 events');
    await sleep(100);
    for (const events of [seen.a, seen.b]) {
      expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(events.map((event) => event.payload)).toEqual([...appended].sort((x, y) => x.seq - y.seq).map((event) => event.payload));
    }
    expect(await b.head('s1')).toBe(100);
  });

  it('reads after a seq, paged; bounded to maxEvents exactly; a seq ahead of the head is incomplete', async () => {
    const log = open({ maxEvents: 5 });
    for (let i = 1; i <= 4; i++) await log.append('s2', `p${i}`);
    expect(await log.since('s2', 1, 2)).toEqual({ events: [expect.objectContaining({ seq: 2, payload: 'p2' }), expect.objectContaining({ seq: 3 })], complete: true, head: 4 });
    expect(await log.since('s2', 4, 10)).toEqual({ events: [], complete: true, head: 4 });
    expect((await log.since('s2', 0, 10)).events.map((event) => event.seq)).toEqual([1, 2, 3, 4]);
    for (let i = 5; i <= 8; i++) await log.append('s2', `p${i}`);
    expect((await log.since('s2', 2, 10)).complete).toBe(false);
    expect(await log.since('s2', 3, 10)).toMatchObject({ complete: true, head: 8, events: [{ seq: 4 }, { seq: 5 }, { seq: 6 }, { seq: 7 }, { seq: 8 }] });
    expect(await log.since('s2', 70, 10)).toEqual({ events: [], complete: false, head: 8 });
    expect(await log.since('never', 0, 10)).toEqual({ events: [], complete: true, head: 0 });
  });

  it('drops events older than the retention (read and append trim them in Redis)', async () => {
    const log = open({ retentionMs: 400, maxEvents: 1_000 });
    await log.append('s3', 'old-1');
    await log.append('s3', 'old-2');
    await sleep(500);
    await log.append('s3', 'new');
    expect(await log.since('s3', 0, 10)).toMatchObject({ complete: false, events: [{ seq: 3, payload: 'new' }], head: 3 });
    expect((await log.since('s3', 2, 10)).complete).toBe(true);
    expect(await redis.xlen(`${prefix}s3:events`)).toBe(1);
  });

  it('head waits for the reader, so a listener added before it has every event up to it', async () => {
    const [writer, reader] = [open({ maxEvents: 1_000 }), open({ maxEvents: 1_000 })];
    const seen: number[] = [];
    reader.subscribe('s4', (event) => seen.push(event.seq));
    await reader.head('s4');
    await Promise.all(Array.from({ length: 20 }, (_, n) => writer.append('s4', n)));
    expect(await reader.head('s4')).toBe(20);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('a stream subscribed while the reader blocks on another is read at once (the reader is woken)', async () => {
    const log = open({ blockMs: 20_000, maxEvents: 100 });
    log.subscribe('s5', () => undefined);
    await log.head('s5');
    await sleep(100); // the reader is blocking on s5 now
    const seen: number[] = [];
    log.subscribe('s6', (event) => seen.push(event.seq));
    await log.head('s6');
    const started = Date.now();
    await log.append('s6', 'x');
    await waitFor(() => seen.length === 1, 2_000, 'the event of the new stream');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

const REDIS_SERVER = spawnSync('redis-server', ['--version']).status === 0;
const describeIfRedisServer = REDIS_SERVER ? describe : describe.skip;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A private redis-server (own port, own data dir, AOF fsync'd on every write) that a test may kill and restart. */
class PrivateRedis {
  private process?: ChildProcess;
  readonly dir = mkdtempSync(join(tmpdir(), 'event-log-redis-'));
  constructor(readonly port: number) {}

  async start(): Promise<void> {
    this.process = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: 'ignore' });
    const probe = new Redis(this.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await probe.connect();
        await probe.ping();
        break;
      } catch {
        if (Date.now() > deadline) throw new Error('private redis-server did not start');
        probe.disconnect();
        await sleep(50);
      }
    }
    probe.disconnect();
  }

  async kill(): Promise<void> {
    const process = this.process;
    if (!process || process.exitCode !== null) return;
    const exited = new Promise((resolve) => process.once('exit', resolve));
    process.kill('SIGKILL');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describeIfRedisServer('RedisStreamsEventLog across a Redis restart (private redis-server)', () => {
  let server: PrivateRedis;
  let redis: Redis;
  let log: RedisStreamsEventLog;

  beforeAll(async () => {
    server = new PrivateRedis(await freePort());
    await server.start();
    redis = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 2 });
    redis.on('error', () => undefined);
    log = new RedisStreamsEventLog(redis, { retentionMs: 60_000, maxEvents: 1_000, keyPrefix: 'restart:', blockMs: 1_000 });
  });
  afterAll(async () => {
    await log?.close();
    redis?.disconnect();
    await server?.destroy();
  });

  it('the reader goes on from the last seq it delivered: nothing lost, nothing twice; appends fail while Redis is down', async () => {
    const seen: number[] = [];
    log.subscribe<number>('r', (event) => seen.push(event.payload));
    await log.head('r');
    for (let n = 1; n <= 5; n++) await log.append('r', n);
    await waitFor(() => seen.length === 5, 5_000, 'the first five');

    await server.kill();
    await expect(log.append('r', 999)).rejects.toThrow();
    await server.start();
    // appends after the restart, while the reader reconnects
    for (let n = 6; n <= 10; n++) {
      for (let attempt = 0; ; attempt++) {
        try {
          await log.append('r', n);
          break;
        } catch (error) {
          if (attempt > 50) throw error;
          await sleep(100);
        }
      }
    }
    await waitFor(() => seen.length >= 10, 15_000, 'the five appended after the restart');
    await sleep(300);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await log.since('r', 0, 100)).events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
