import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { MetricsService } from '@app/observability';
import { StreamHub } from '@app/realtime';
import { startUpstreamSimulator, type UpstreamSimulator } from '@app/simulator';
import { startGateway, type GatewayUnderTest } from './support/harness';
import { ClientPool, isData, type StreamClient } from './support/ws-client';

const BTC_DOM = '/tzone_apis/services/stablecoins/btc_dom';
const FRAME_WAIT = 15_000;
/** past the 5 min fresh TTL of CoinGecko /global */
const PAST_FRESH_MS = 301_000;

const withRedis = process.env.REDIS_URL ? describe : describe.skip;

/**
 * Upstream refreshes once across the cluster (issue 11): three gateways in this process share one simulator and
 * Redis (a key prefix of their own), each with a client on btc_dom. Only `Date` is faked: moving it ages the cached
 * value the way waiting would, and every replica's refresh is then forced at the same moment (the worst case).
 */
withRedis('feed leases: one replica refreshes each feed for the cluster (e2e, Redis)', () => {
  const prefix = `test-feeds-${randomUUID()}:`;
  let simulator: UpstreamSimulator;
  let gateways: GatewayUnderTest[] = [];
  const pools: ClientPool[] = [];
  const hub = (gateway: GatewayUnderTest) => gateway.app.get(StreamHub);
  const coingeckoCalls = async (gateway: GatewayUnderTest) => {
    const { values } = await gateway.app.get(MetricsService).upstreamCalls.get();
    return values.filter((value) => value.labels.upstream === 'coingecko').reduce((sum, value) => sum + value.value, 0);
  };
  const globalCalls = () => simulator.requests('coingecko', '/global');
  const advanceClock = (ms: number) => jest.setSystemTime(Date.now() + ms);

  beforeAll(async () => {
    jest.useFakeTimers({
      advanceTimers: true,
      doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'queueMicrotask', 'hrtime', 'performance'],
    });
    simulator = await startUpstreamSimulator({ seed: 7 });
    const env = { REDIS_URL: process.env.REDIS_URL!, REDIS_KEY_PREFIX: prefix };
    gateways = await Promise.all([0, 1, 2].map(() => startGateway({ simulator, env, realtime: { feedLeaseTtlMs: 3_000 } })));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.closeAll()));
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await simulator?.close();
    jest.useRealTimers();
    const redis = new Redis(process.env.REDIS_URL!);
    const keys = [...(await redis.keys(`${prefix}*`)), ...(await redis.keys(`*:${prefix}*`))];
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }, 60_000);

  it('calls the upstream as one replica would, renders on every replica, and hands the feed over when its holder stops', async () => {
    const clients = gateways.map((gateway) => {
      const pool = new ClientPool((path, query) => gateway.wsUrl(path, query), { viewProtocol: true });
      pools.push(pool);
      return pool.open(BTC_DOM);
    });
    const first = await Promise.all(clients.map((client) => client.next(isData, FRAME_WAIT)));
    // three replicas joined the feed at once: one cold load, as on one replica
    expect(globalCalls()).toBe(1);
    expect(gateways.map((gateway) => hub(gateway).leasesHeld()).reduce((a, b) => a + b)).toBe(1);
    for (const frame of first) expect(frame.results).toEqual(first[0].results);

    const holderIndex = gateways.findIndex((gateway) => hub(gateway).leasesHeld() === 1);
    const followers = gateways.filter((_, index) => index !== holderIndex);
    const followerCallsBefore = await Promise.all(followers.map(coingeckoCalls));

    for (let round = 1; round <= 2; round++) {
      advanceClock(PAST_FRESH_MS);
      // every replica's refresh fires at the same moment: only the holder loads
      await Promise.all(gateways.map((gateway) => hub(gateway).refreshNow('btc_dom')));
      const frames = await Promise.all(clients.map((client) => nextChanged(client)));
      expect(globalCalls()).toBe(1 + round);
      for (const frame of frames) {
        expect(frame.results).toEqual(frames[holderIndex].results);
        expect(frame.stale).toBeUndefined();
        // counts down to the holder's next refresh on every replica
        expect(Math.abs(frame.adaptive_interval - frames[holderIndex].adaptive_interval)).toBeLessThanOrEqual(1);
      }
    }
    // the followers never called the upstream
    expect(await Promise.all(followers.map(coingeckoCalls))).toEqual(followerCallsBefore);

    // the holder stops (its lease is released): a follower with clients takes the feed over at once
    await pools[holderIndex].closeAll();
    await gateways[holderIndex].close();
    gateways = followers;
    const remaining = clients.filter((_, index) => index !== holderIndex);
    await waitFor(() => gateways.reduce((sum, gateway) => sum + hub(gateway).leasesHeld(), 0) === 1, 5_000);

    advanceClock(PAST_FRESH_MS);
    await Promise.all(gateways.map((gateway) => hub(gateway).refreshNow('btc_dom')));
    const after = await Promise.all(remaining.map((client) => nextChanged(client)));
    expect(globalCalls()).toBe(4);
    expect(after[1].results).toEqual(after[0].results);
  });
});

const lastTaken = new WeakMap<StreamClient, string>();

/** The client's next data frame whose results differ from the last one taken (the simulator moves with the clock). */
async function nextChanged(client: StreamClient) {
  const previous = lastTaken.get(client) ?? JSON.stringify(client.frames.find(isData)?.results);
  const frame = await client.next((candidate) => isData(candidate) && JSON.stringify(candidate.results) !== previous, FRAME_WAIT);
  lastTaken.set(client, JSON.stringify(frame.results));
  return frame;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
