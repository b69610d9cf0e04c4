import Redis, { type RedisOptions } from 'ioredis';
import { createServer, Socket, type Server } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { LeadershipTerm, RoleHandlers } from './leadership';
import { RedisLeadership } from './redis-leadership';

const REDIS_URL = process.env.REDIS_URL;
const describeWithRedis = REDIS_URL ? describe : describe.skip;

const LEASE_MS = 1_500;

/** What one replica's handlers saw: each term, when it started and when its stop finished. */
class TermLog implements RoleHandlers {
  readonly terms: Array<{ term: LeadershipTerm; startedAt: number; stoppedAt?: number; abortedAt?: number }> = [];
  /** runs inside the stop fn (e.g. reads the lease's remaining time while stepping down) */
  onStop?: () => Promise<void>;

  async lead(term: LeadershipTerm) {
    const entry: (typeof this.terms)[number] = { term, startedAt: Date.now() };
    this.terms.push(entry);
    term.signal.addEventListener('abort', () => (entry.abortedAt = Date.now()), { once: true });
    return async () => {
      await this.onStop?.();
      entry.stoppedAt = Date.now();
    };
  }

  get current() {
    return this.terms.at(-1);
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A TCP relay to Redis that the test can cut: the replica behind it sees real connection errors. */
class CuttableRelay {
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  port = 0;

  constructor(target: URL) {
    this.server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(Number(target.port || 6379), target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => this.sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** refuses new connections and drops the open ones */
  async cut(): Promise<void> {
    const closed = new Promise((resolve) => this.server.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** accepts connections again, on the same port */
  async resume(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
  }
}

describeWithRedis('RedisLeadership (real Redis, REDIS_URL)', () => {
  // describe.skip still runs this body: without REDIS_URL it must not throw while the tests are collected
  const url = new URL(REDIS_URL ?? 'redis://127.0.0.1:6379');
  const connections: Redis[] = [];
  const leaderships: RedisLeadership[] = [];
  let direct: Redis;
  let prefix: string;

  const connect = (target = REDIS_URL!, options: RedisOptions = {}) => {
    const redis = new Redis(target, { maxRetriesPerRequest: 1, disconnectTimeout: 100, ...options });
    redis.on('error', () => undefined);
    connections.push(redis);
    return redis;
  };
  const replica = (name: string, redis = connect(), leaseMs = LEASE_MS) => {
    const leadership = new RedisLeadership(redis, name, { leaseMs, keyPrefix: prefix });
    leaderships.push(leadership);
    return leadership;
  };

  beforeAll(() => {
    direct = connect();
  });
  beforeEach(() => {
    prefix = `test:leadership:${process.pid}:${randomBytes(4).toString('hex')}:`;
  });
  afterEach(async () => {
    await Promise.all(leaderships.splice(0).map((leadership) => leadership.close()));
    const keys = await direct.keys(`${prefix}*`);
    if (keys.length > 0) await direct.del(...keys);
  });
  afterAll(async () => {
    await Promise.all(connections.map((redis) => (redis.status === 'ready' ? redis.quit().catch(() => redis.disconnect()) : redis.disconnect())));
  });

  it('gives each role to exactly one of two replicas, with a token from the shared counter', async () => {
    const [a, b] = [replica('a'), replica('b')];
    const [logA, logB] = [new TermLog(), new TermLog()];
    a.register('capital-flow', logA);
    b.register('capital-flow', logB);
    await waitFor('a leader', () => a.roles().length + b.roles().length === 1);
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS)); // renewals keep it where it is
    const leader = a.roles().length === 1 ? a : b;
    const log = leader === a ? logA : logB;
    expect(leader.roles()).toEqual(['capital-flow']);
    expect((leader === a ? b : a).roles()).toEqual([]);
    expect(log.terms).toHaveLength(1);
    expect(logA.terms.length + logB.terms.length).toBe(1);
    expect(leader.term('capital-flow')?.token).toBe(Number(await direct.get(`${prefix}leader:capital-flow:token`)));
    expect(await direct.get(`${prefix}leader:capital-flow`)).toMatch(new RegExp(`^${leader.replicaId}#`));
  });

  it('when the leader dies (its connection gone, no release), the other leads within the lease, with a larger token', async () => {
    const doomed = connect();
    const [a, b] = [replica('a', doomed), replica('b')];
    const [logA, logB] = [new TermLog(), new TermLog()];
    a.register('spreads', logA);
    await waitFor('a leads', () => a.term('spreads'));
    b.register('spreads', logB);
    const first = a.term('spreads')!.token;

    doomed.disconnect(); // no renewal, no release: like a killed process
    const diedAt = Date.now();
    const taken = await waitFor('b leads', () => b.term('spreads'), LEASE_MS + 3_000);
    expect(Date.now() - diedAt).toBeLessThan(LEASE_MS + 1_500);
    expect(taken.token).toBeGreaterThan(first);
    // the cut-off leader stepped down on its own, before the lease could be taken elsewhere
    expect(a.roles()).toEqual([]);
    expect(logA.current!.stoppedAt).toBeLessThanOrEqual(logB.current!.startedAt);
    expect(logA.current!.term.signal.aborted).toBe(true);
  });

  it('hands the role over at once when the leader closes (release), not after the lease', async () => {
    const [a, b] = [replica('a', connect(), 20_000), replica('b', connect(), 20_000)];
    const [logA, logB] = [new TermLog(), new TermLog()];
    a.register('depeg', logA);
    await waitFor('a leads', () => a.term('depeg'));
    b.register('depeg', logB);
    const first = a.term('depeg')!.token;
    const closedAt = Date.now();
    await a.close();
    expect(logA.current!.stoppedAt).toBeDefined();
    const taken = await waitFor('b leads', () => b.term('depeg'), 5_000);
    expect(Date.now() - closedAt).toBeLessThan(3_000); // the lease had 20 s left
    expect(taken.token).toBe(first + 1);
  });

  it('steps down on Redis errors before its lease can expire in Redis, and leads again once Redis answers', async () => {
    const relay = new CuttableRelay(url);
    await relay.listen();
    const viaRelay = `redis://127.0.0.1:${relay.port}${url.pathname}`;
    const a = replica('a', connect(viaRelay, { enableOfflineQueue: false, retryStrategy: () => 200 }));
    const log = new TermLog();
    let leaseLeftAtStepDown: number | undefined;
    log.onStop = async () => {
      leaseLeftAtStepDown = await direct.pttl(`${prefix}leader:dex-metrics`);
    };
    a.register('dex-metrics', log);
    await waitFor('a leads', () => a.term('dex-metrics'));
    await relay.cut();

    await waitFor('a steps down', () => log.current!.stoppedAt, LEASE_MS + 1_000);
    expect(a.roles()).toEqual([]);
    // stepped down while its lease was still in Redis: no other replica could have led meanwhile
    expect(leaseLeftAtStepDown).toBeGreaterThan(0);
    expect(log.current!.abortedAt).toBeLessThanOrEqual(log.current!.stoppedAt!);

    await relay.resume();
    const again = await waitFor('a leads again', () => log.terms[1], LEASE_MS + 3_000);
    expect(again.term.token).toBe(log.terms[0].term.token + 1);
    await a.close();
    await relay.cut();
  });

  it('steps down when another owner holds the lease, and starts a new term only after the old one stopped', async () => {
    const a = replica('a');
    const log = new TermLog();
    log.onStop = () => new Promise((resolve) => setTimeout(resolve, 300)); // slow stop
    a.register('spreads', log);
    await waitFor('a leads', () => a.term('spreads'));
    const first = a.term('spreads')!.token;
    await direct.set(`${prefix}leader:spreads`, 'someone-else', 'PX', 500); // e.g. an operator moved it

    await waitFor('a steps down', () => log.terms[0].stoppedAt, LEASE_MS);
    const second = await waitFor('a leads again', () => log.terms[1], 3_000);
    expect(second.term.token).toBeGreaterThan(first);
    expect(second.startedAt).toBeGreaterThanOrEqual(log.terms[0].stoppedAt!);
  });
});
