import { StreamHub } from '@app/realtime';
import { startGateway, type GatewayUnderTest } from './support/harness';
import { ClientPool, isData, type Frame } from './support/ws-client';

const OPEN_INTEREST = '/tzone_apis/services/stablecoins/derivative/ws/btc_open_interest';
const FRAME_WAIT = 15_000;
jest.setTimeout(90_000);

/**
 * `stale` must mean the upstream failed. The option chain (Deribit) is fresh for 60 s and the bitcoin metadata
 * (CoinGecko) for 5 min, so this stream also shows how parts with different TTLs are scheduled.
 * Only `Date` is faked (timers stay real): moving the clock ages the cached values the way waiting would.
 */
describe('stale frames and adaptive_interval (e2e, simulator upstreams)', () => {
  let gateway: GatewayUnderTest;
  const clients = new ClientPool((path, query) => gateway.wsUrl(path, query), { viewProtocol: true });
  const refresh = () => gateway.app.get(StreamHub).refreshNow('btc_open_interest');
  const advanceClock = (ms: number) => jest.setSystemTime(Date.now() + ms);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

  beforeAll(async () => {
    jest.useFakeTimers({
      advanceTimers: true,
      doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'queueMicrotask', 'hrtime', 'performance'],
    });
    gateway = await startGateway();
  }, 120_000);
  afterEach(async () => {
    gateway.simulator.faults.clear();
    await clients.closeAll();
  });
  afterAll(async () => {
    await gateway.close();
    jest.useRealTimers();
  }, 60_000);

  it('pushes no stale frame over several refreshes of a healthy upstream, each past the fresh TTL', async () => {
    const client = clients.open(OPEN_INTEREST);
    await client.next(isData, FRAME_WAIT);
    for (let round = 0; round < 3; round++) {
      advanceClock(61_000); // the option chain is past its 60 s fresh TTL; the metadata (5 min) still has about 2 min
      await refresh();
      await settle();
    }
    const frames = client.frames.filter(isData);
    expect(frames.length).toBeGreaterThanOrEqual(2); // the simulated chain moves with the clock
    for (const frame of frames) {
      expect(frame.stale).toBeUndefined();
      expect(frame.stale_reason).toBeUndefined();
    }
    // next push when the option chain stops being fresh (60 s), not 1 s because the metadata was fetched earlier
    const last = frames.at(-1)!;
    expect(last.adaptive_interval).toBeGreaterThanOrEqual(58);
    expect(last.adaptive_interval).toBeLessThanOrEqual(62);
  });

  it('marks frames stale with stale_reason and stale_age_seconds while Deribit fails, then recovers', async () => {
    const client = clients.open(OPEN_INTEREST);
    const good = await client.next(isData, FRAME_WAIT);
    gateway.simulator.faults.set('deribit', { kind: '500' });
    advanceClock(61_000);
    await refresh();
    const stale = await client.next((frame) => frame.stale === true, FRAME_WAIT);
    expect(stale.results).toEqual(good.results);
    expect(stale.stale_reason).toEqual(expect.stringContaining('deribit'));
    expect(stale.stale_age_seconds).toBeGreaterThanOrEqual(60);

    gateway.simulator.faults.clear();
    const recovered = await client.next((frame) => isData(frame) && frame.stale === undefined, FRAME_WAIT);
    expect(recovered.stale_reason).toBeUndefined();
  });

  it('marks a frame stale with the reason when only a part (CoinGecko metadata) was served stale after its upstream failed', async () => {
    const client = clients.open(OPEN_INTEREST);
    await client.next(isData, FRAME_WAIT);
    gateway.simulator.faults.set('coingecko', { kind: '500' });
    advanceClock(301_000); // both parts past fresh, within their stale windows
    await refresh();
    const stale: Frame = await client.next((frame) => frame.stale === true, FRAME_WAIT);
    expect(stale.stale_reason).toEqual(expect.stringContaining('coingecko /coins/bitcoin'));
    expect(stale.stale_age_seconds).toBeGreaterThanOrEqual(300);
    expect(stale.results[0].logo).toEqual(expect.stringMatching(/^https:\/\//)); // the last good metadata is still shown

    gateway.simulator.faults.clear();
    const recovered = await client.next((frame) => isData(frame) && frame.stale === undefined, FRAME_WAIT);
    expect(recovered.stale_reason).toBeUndefined();
  });
});
