import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { StreamHub } from '@app/realtime';
import { startUpstreamSimulator, type UpstreamSimulator } from '@app/simulator';
import { startGateway, type GatewayUnderTest } from './support/harness';
import { ServiceProcess, childEnv, freePort, TS_REGISTER } from './support/service-process';
import { ClientPool, StreamClient, isData } from './support/ws-client';

const BTC_DOM = '/tzone_apis/services/stablecoins/btc_dom';
const FRAME_WAIT = 15_000;
const LEASE_TTL_MS = 3_000;

const withRedis = process.env.REDIS_URL ? describe : describe.skip;

/**
 * A lease holder that dies without letting go (`kill -9`): its feed passes to a replica with clients when the lease
 * expires. The holder is a gateway process (`MARKET_DATA=sandbox` on the simulator of this test through
 * `SANDBOX_UPSTREAM_URL`, counted over the simulator's control API); the two followers run in this process, where
 * `Date` is faked so that moving it ages the shared cache the way waiting would.
 */
withRedis('feed lease failover: kill -9 of the holder (e2e, Redis, child process)', () => {
  const prefix = `test-feeds-failover-${randomUUID()}:`;
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-feeds-'));
  let simulator: UpstreamSimulator;
  let holder: ServiceProcess;
  let followers: GatewayUnderTest[] = [];
  const pools: ClientPool[] = [];
  let holderClient: StreamClient | undefined;
  const globalCalls = async () => {
    const response = await fetch(`${simulator.origin}/__simulator/requests?upstream=coingecko&path=/global`);
    return ((await response.json()) as { count: number }).count;
  };
  const leasesHeld = () => followers.reduce((sum, gateway) => sum + gateway.app.get(StreamHub).leasesHeld(), 0);

  beforeAll(async () => {
    jest.useFakeTimers({
      advanceTimers: true,
      doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'queueMicrotask', 'hrtime', 'performance'],
    });
    simulator = await startUpstreamSimulator({ seed: 7, control: true });
    const port = await freePort();
    holder = new ServiceProcess(
      'node',
      ['-r', TS_REGISTER, 'apps/gateway/src/main.ts'],
      childEnv({
        MARKET_DATA: 'sandbox',
        SANDBOX_SEED: '7',
        SANDBOX_UPSTREAM_URL: simulator.origin,
        REDIS_URL: process.env.REDIS_URL!,
        REDIS_KEY_PREFIX: prefix,
        FEED_LEASE_TTL_MS: String(LEASE_TTL_MS),
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        NODE_ENV: 'development',
        LOG_LEVEL: 'warn',
      }),
    );
    await holder.waitForHttp(`http://127.0.0.1:${port}/health/live`);
    holderClient = StreamClient.connect(`ws://127.0.0.1:${port}${BTC_DOM}`);
    await holderClient.next(isData, FRAME_WAIT);
    const env = { REDIS_URL: process.env.REDIS_URL!, REDIS_KEY_PREFIX: prefix };
    followers = await Promise.all([0, 1].map(() => startGateway({ simulator, env, realtime: { feedLeaseTtlMs: LEASE_TTL_MS } })));
  }, 120_000);

  afterAll(async () => {
    holderClient?.socket.terminate();
    await holder?.stop();
    await Promise.all(pools.map((pool) => pool.closeAll()));
    await Promise.all(followers.map((gateway) => gateway.close()));
    await simulator?.close();
    jest.useRealTimers();
    rmSync(dataDir, { recursive: true, force: true });
    const redis = new Redis(process.env.REDIS_URL!);
    const keys = [...(await redis.keys(`${prefix}*`)), ...(await redis.keys(`*:${prefix}*`))];
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }, 60_000);

  it('follows the holder process, then takes its feed over once its lease expires; clients keep getting frames', async () => {
    const clients = followers.map((gateway) => {
      const pool = new ClientPool((path, query) => gateway.wsUrl(path, query), { viewProtocol: true });
      pools.push(pool);
      return pool.open(BTC_DOM);
    });
    const first = await Promise.all(clients.map((client) => client.next(isData, FRAME_WAIT)));
    // the followers rendered what the holder process loaded: still one upstream call in all
    expect(await globalCalls()).toBe(1);
    expect(leasesHeld()).toBe(0);

    holder.signal('SIGKILL');
    await holder.exited;
    const killedAt = Date.now();
    while (leasesHeld() === 0) {
      if (Date.now() - killedAt > LEASE_TTL_MS + 5_000) throw new Error('no follower took the feed over');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(leasesHeld()).toBe(1);
    expect(await globalCalls()).toBe(1); // the new holder found the value fresh in the shared cache

    jest.setSystemTime(Date.now() + 301_000); // past CoinGecko /global's 5 min fresh TTL
    await Promise.all(followers.map((gateway) => gateway.app.get(StreamHub).refreshNow('btc_dom')));
    const next = await Promise.all(
      clients.map((client, index) => client.next((frame) => isData(frame) && JSON.stringify(frame.results) !== JSON.stringify(first[index].results), FRAME_WAIT)),
    );
    expect(next[1].results).toEqual(next[0].results);
    expect(await globalCalls()).toBe(2);
  });
});
