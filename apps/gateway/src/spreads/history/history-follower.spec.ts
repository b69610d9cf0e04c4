import { openMigratedTestDatabase, type MigratedTestDatabase } from '@app/storage/testing/test-stores';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { SpreadEvent } from '../domain/spread-event';
import { HistoryFollower, type HistoryRow } from './history-follower';
import { SpreadHistoryStore } from './history-store';

let serial = 0;
function spreadEvent(): SpreadEvent {
  const n = ++serial;
  return {
    id: `follower-spec-${randomUUID()}`,
    event: n % 2 ? 'open' : 'close',
    symbol: `F${n}_USDT`,
    spread_type: 'spot/spot',
    buy_leg: 'BINANCE:spot',
    sell_leg: 'OKX:spot',
    buy_exchange: 'BINANCE',
    sell_exchange: 'OKX',
    buy_kind: 'spot',
    sell_kind: 'spot',
    buy_price: 100,
    sell_price: 102,
    spread_percent: 2,
    volume_24h: null,
    cex_legs: 2,
    fired_at_ms: Date.now(),
  };
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** What a replica's listeners received. */
class Replica {
  readonly delivered: number[] = [];
  readonly follower: HistoryFollower;

  constructor(store: SpreadHistoryStore, options: { redis?: Redis; channel: string; catchUpMs: number; pageSize?: number }) {
    this.follower = new HistoryFollower({
      ...options,
      pageSize: options.pageSize ?? 7,
      read: (afterId, limit) => store.afterId(afterId, {}, limit),
      deliver: (row: HistoryRow) => this.delivered.push(row.id),
    });
  }
}

const variants: Array<[string, string | undefined]> = [['in-process', undefined]];
if (process.env.REDIS_URL) variants.push(['Redis pub/sub (REDIS_URL)', process.env.REDIS_URL]);

describe.each(variants)('HistoryFollower (%s)', (_name, redisUrl) => {
  let database: MigratedTestDatabase;
  let store: SpreadHistoryStore;
  const connections: Redis[] = [];
  const replicas: Replica[] = [];
  // a channel of this run only: parallel runs on the same Redis never poke each other
  const channel = `spreads:history:spec:${randomUUID()}`;

  const connect = () => {
    if (!redisUrl) return undefined;
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
    connections.push(redis);
    return redis;
  };
  const replica = (catchUpMs: number, pageSize?: number) => {
    const created = new Replica(store, { redis: connect(), channel, catchUpMs, pageSize });
    replicas.push(created);
    return created;
  };

  beforeAll(async () => {
    database = await openMigratedTestDatabase('pglite');
    store = new SpreadHistoryStore(database.db);
  });
  afterAll(() => database.dispose());

  afterEach(async () => {
    for (const each of replicas.splice(0)) await each.follower.stop();
    for (const redis of connections.splice(0)) await redis.quit();
  });

  it('hands every row to every replica exactly once, in id order, on the writer’s notifications alone', async () => {
    // no catch-up read during the test: only the notifications can deliver
    const writer = replica(600_000);
    const others = redisUrl ? [replica(600_000), replica(600_000)] : [];
    const start = await store.maxId();
    for (const each of [writer, ...others]) each.follower.start(start);
    if (redisUrl) await new Promise((resolve) => setTimeout(resolve, 200)); // the subscriptions are in place

    const written: number[] = [];
    for (let batch = 0; batch < 25; batch++) {
      const ids = await store.insert(Array.from({ length: 1 + (batch % 4) }, spreadEvent));
      written.push(...ids);
      // several notifications per batch, some stale: reads coalesce and never deliver twice
      writer.follower.announce(Math.max(...ids));
      if (batch % 3 === 0) writer.follower.announce(Math.max(...ids));
      if (batch % 5 === 0) writer.follower.announce(1);
    }
    for (const each of [writer, ...others]) {
      await until(() => each.delivered.length >= written.length, 5_000, `${written.length} rows delivered`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(each.delivered).toEqual(written);
    }
    expect(written).toEqual([...written].sort((a, b) => a - b));
  });

  it('catches up on rows whose notification was lost, and never goes back', async () => {
    const before = await store.insert([spreadEvent(), spreadEvent()]);
    const follower = replica(150, 2);
    follower.follower.start(Math.max(...before)); // a replica starting now delivers only what follows
    // written without any notification (a lost message, Redis down): the periodic read finds them
    const missed = await store.insert(Array.from({ length: 5 }, spreadEvent));
    await until(() => follower.delivered.length === missed.length, 3_000, 'the catch-up read');
    expect(follower.delivered).toEqual(missed);

    if (redisUrl) {
      // a stale or foreign message changes nothing
      await connections[0].publish(channel, '1');
      await connections[0].publish(channel, 'not-a-number');
    }
    const more = await store.insert([spreadEvent()]);
    await follower.follower.catchUp();
    expect(follower.delivered).toEqual([...missed, ...more]);
  });
});
