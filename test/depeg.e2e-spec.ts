import { LEADERSHIP, type Leadership } from '@app/cluster';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpstreamCache } from '@app/upstream';
import type { DepegEvent } from '../apps/gateway/src/depeg/depeg-detector';
import { DepegEventStore, thresholdToBp } from '../apps/gateway/src/depeg/depeg-event.store';
import { DepegSource } from '../apps/gateway/src/depeg/depeg.source';
import { DATABASE } from '@app/storage';
import { startGateway, type GatewayUnderTest } from './support/harness';
import { ClientPool, StreamClient, isData, isError, type Frame } from './support/ws-client';

const EVENT_LOGS = '/tzone_apis/services/stablecoins/ws/event_logs';
const DAY = 86_400;
/** a new log's first frame waits for DefiLlama and the event store (a few round trips to PGlite): generous on a busy machine */
const FRAME_MS = 60_000;
jest.setTimeout(150_000);

interface Asset {
  id: string;
  symbol: string;
  name: string;
  gecko_id: string;
  pegType: string;
  price: number;
  circulating: Record<string, number>;
}
interface PricePoint {
  date: number;
  prices: Record<string, number | null>;
}

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;
/** The README's formula, written out independently of the service. */
const severity = (percentage: number, volume: number, minutes: number) => round(percentage * Math.log10(1 + volume) * (1 + Math.log10(1 + minutes / 60)), 2);

/** Test oracle: runs of consecutive days where |price − 1| > threshold, as [first day, last day, worst price]. */
function usdRuns(points: readonly PricePoint[], geckoId: string, threshold: number): Array<{ start: number; last: number; worst: number }> {
  const runs: Array<{ start: number; last: number; worst: number }> = [];
  let open: (typeof runs)[number] | undefined;
  for (const point of points) {
    const price = point.prices[geckoId];
    if (typeof price !== 'number' || Math.abs(price - 1) <= threshold) {
      open = undefined;
      continue;
    }
    if (!open) runs.push((open = { start: point.date, last: point.date, worst: price }));
    else {
      open.last = point.date;
      if (Math.abs(price - 1) > Math.abs(open.worst - 1)) open.worst = price;
    }
  }
  return runs;
}

describe('ws/event_logs (e2e, simulator upstreams, embedded PGlite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'depeg-e2e-'));
  const frozenAt = Math.floor(Date.now() / 60_000) * 60_000;
  let gateway: GatewayUnderTest;
  const clients = new ClientPool((path, query) => gateway.wsUrl(path, query), { viewProtocol: true });
  const open = (query: Record<string, string | number> = {}) => clients.open(EVENT_LOGS, query);
  const served = async <T>(path: string): Promise<T> => (await (await fetch(`${gateway.simulator.baseUrls.defillama}${path}`)).json()) as T;
  const start = async () => {
    gateway = await startGateway({ env: { DATA_DIR: dataDir, UPSTREAM_TIMEOUT_MS: '3000' } });
    gateway.simulator.clock.freeze(frozenAt);
  };

  beforeAll(start, 60_000);
  afterEach(async () => {
    gateway.simulator.faults.clear();
    await clients.closeAll();
    await new Promise((resolve) => setTimeout(resolve, 300)); // past the feed linger
  });
  afterAll(async () => {
    await gateway.close();
    rmSync(dataDir, { recursive: true, force: true });
  }, 240_000);

  it('reports the current depeg from the live DefiLlama price, with depth, volume, duration and severity', async () => {
    // Without the daily history the live episode starts now (USDN's daily run began over a year ago: outside any
    // window, see the days_back test). Recorded, that start carries over to the later refreshes of this log.
    gateway.simulator.faults.set('defillama', { kind: '500' }, { path: '/stablecoinprices' });
    await gateway.app.get(UpstreamCache).evict('defillama:stablecoinprices');
    const frame = await open({ filters: '{"event_type":"current"}' }).next(isData, FRAME_MS);
    const { peggedAssets } = await served<{ peggedAssets: Asset[] }>('/stablecoins');
    const usdn = peggedAssets.find((asset) => asset.symbol === 'USDN')!;
    const row = frame.rows.find((candidate: Frame) => candidate.stablecoin === 'USDN');
    const runStart = row.timestamp;
    expect(runStart).toBeLessThanOrEqual(frame.timestamp);
    expect(runStart).toBeGreaterThan(frame.timestamp - 60);
    const depth = round(1 - usdn.price, 6);
    const percentage = round((1 - usdn.price) * 100, 2);
    expect(row).toMatchObject({
      timestamp: runStart,
      stablecoin: 'USDN',
      name: 'Neutrino USD',
      price: usdn.price,
      target_peg: 1,
      depeg_depth: depth,
      depeg_percentage: percentage,
      volume: usdn.circulating.peggedUSD,
      peg_type: 'peggedUSD',
      event_type: 'current',
      logo: expect.stringMatching(/^https:\/\//),
    });
    expect(row.duration).toBeGreaterThanOrEqual(Math.floor((frame.timestamp - runStart) / 60) - 1);
    expect(row.duration).toBeLessThanOrEqual(Math.floor((frame.timestamp - runStart) / 60));
    expect(row.severity_score).toBe(severity(((1 - usdn.price) / 1) * 100, usdn.circulating.peggedUSD, row.duration));
    // every live price beyond 1 % is there, and nothing else
    const beyond = peggedAssets.filter((asset) => asset.pegType === 'peggedUSD' && Math.abs(asset.price - 1) > 0.01).map((asset) => asset.symbol);
    expect(frame.rows.map((candidate: Frame) => candidate.stablecoin).sort()).toEqual(beyond.sort());
    const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
    expect(metrics).toContain(`depeg_events_current{peg_type="peggedUSD"} ${beyond.length}`);
  });

  it('reports historical depegs from /stablecoinprices as runs of days beyond the threshold in the window', async () => {
    const frame = await open({ filters: '{"stablecoin":"FDUSD"}' }).next(isData, FRAME_MS);
    const prices = await served<PricePoint[]>('/stablecoinprices');
    const fdusd = (await served<{ peggedAssets: Asset[] }>('/stablecoins')).peggedAssets.find((asset) => asset.symbol === 'FDUSD')!;
    const windowStart = frame.timestamp - 7 * DAY;
    const expected = usdRuns(prices, 'first-digital-usd', 0.01)
      .filter((run) => run.start >= windowStart)
      .map((run) => {
        const minutes = ((run.last - run.start) / DAY + 1) * 1440;
        const percentage = round(Math.abs(run.worst - 1) * 100, 2);
        return {
          timestamp: run.start,
          price: run.worst,
          depeg_depth: round(Math.abs(run.worst - 1), 6),
          depeg_percentage: percentage,
          duration: minutes,
          volume: fdusd.circulating.peggedUSD,
          severity_score: severity(Math.abs(run.worst - 1) * 100, fdusd.circulating.peggedUSD, minutes),
          event_type: 'historical',
        };
      })
      .sort((a, b) => b.timestamp - a.timestamp);
    expect(expected.length).toBeGreaterThan(0); // the sandbox keeps FDUSD fragile: an excursion starts every 6 days
    expect(frame.rows.map(({ timestamp, price, depeg_depth, depeg_percentage, duration, volume, severity_score, event_type }: Frame) =>
      ({ timestamp, price, depeg_depth, depeg_percentage, duration, volume, severity_score, event_type }),
    )).toEqual(expected);
    expect(frame.count).toBe(expected.length);
  });

  it('runs the seed example verbatim and echoes its params', async () => {
    const frame = await open({
      threshold: 0.02,
      peg_type: 'peggedUSD',
      days_back: 7,
      filters: '{"stablecoin":"USDT"}',
      sort_by: 'severity_score',
      sort_order: 'desc',
      page: 1,
      page_size: 10,
      start_time: 1719878400000,
      end_time: 1719882000000,
      time_field: 'timestamp',
    }).next(isData, FRAME_MS);
    expect(frame).toMatchObject({
      rows: [],
      count: 0,
      query_params: { threshold: 0.02, peg_type: 'peggedUSD', days_back: 7, page: 1, page_size: 10 },
      data_source: 'api',
    });
    expect(frame.headers.map((header: Frame) => header.key)).toEqual(['timestamp', 'stablecoin', 'severity_score', 'depeg_depth', 'duration', 'volume']);
  });

  it('sorts by timestamp then severity, newest first, and a higher threshold keeps only deeper events', async () => {
    const all = await open({ days_back: 30 }).next(isData, FRAME_MS);
    const timestamps = all.rows.map((row: Frame) => row.timestamp);
    expect(timestamps).toEqual([...timestamps].sort((a, b) => b - a));
    const deep = await open({ days_back: 30, threshold: 0.03 }).next(isData, FRAME_MS);
    expect(deep.count).toBeLessThan(all.count);
    for (const row of deep.rows) expect(row.depeg_depth / row.target_peg).toBeGreaterThan(0.03);
  });

  it('days_back holds for every row, the stored history included', async () => {
    // a recorded episode that began 40 days ago and ended yesterday
    const now = Math.floor(Date.now() / 1000);
    const old: DepegEvent = {
      timestamp: now - 40 * DAY,
      stablecoin: 'OLDUSD',
      stablecoin_id: '99999',
      name: 'Old Dollar',
      price: 0.95,
      target_peg: 1,
      depeg_depth: 0.05,
      depeg_percentage: 5,
      volume: 1e6,
      severity_score: 20,
      duration: 39 * 1440,
      logo: null,
      peg_type: 'peggedUSD',
      event_type: 'historical',
    };
    const term = gateway.app.get<Leadership>(LEADERSHIP).term('depeg')!; // the one process leads depeg
    await gateway.app.get(DepegEventStore).save({ pegType: 'peggedUSD', thresholdBp: thresholdToBp(0.01) }, [old], now, false, term);

    const week = await open({ days_back: 7 }).next(isData, FRAME_MS);
    expect(week.rows.map((row: Frame) => row.stablecoin)).not.toContain('OLDUSD');
    for (const row of week.rows) expect(row.timestamp).toBeGreaterThanOrEqual(week.timestamp - 7 * DAY);
    const quarter = await open({ days_back: 90 }).next(isData, FRAME_MS);
    expect(quarter.rows.find((row: Frame) => row.stablecoin === 'OLDUSD')).toMatchObject({ timestamp: old.timestamp, event_type: 'historical' });
    for (const row of quarter.rows) expect(row.timestamp).toBeGreaterThanOrEqual(quarter.timestamp - 90 * DAY);
  });

  it('rejects out-of-range params', async () => {
    const client = open({ threshold: 2, days_back: 0 });
    const error = await client.next(isError, FRAME_MS);
    expect(error.details.map((detail: Frame) => detail.param).sort()).toEqual(['days_back', 'threshold']);
    expect((await client.closed).code).toBe(1008);
  });

  it('is partial without the price history: current events still come from the live list', async () => {
    gateway.simulator.faults.set('defillama', { kind: '500' }, { path: '/stablecoinprices' });
    await gateway.app.get(UpstreamCache).evict('defillama:stablecoinprices');
    const frame = await open({ threshold: 0.05, days_back: 3 }).next(isData, FRAME_MS); // a new log: nothing stored for it yet
    expect(frame.partial).toBe(true);
    expect(frame.missing).toEqual([{ source: 'defillama /stablecoinprices', reason: expect.stringContaining('500') }]);
    expect(frame.rows.map((row: Frame) => [row.stablecoin, row.event_type])).toEqual([['USDN', 'current']]);
  });

  it('the depeg leader records from the shared cache on its own, with no client of its own and no upstream call', async () => {
    // a client somewhere has the feed refreshed (in a cluster: maybe on another replica, whose loads may not write)
    const frame = await open().next(isData, FRAME_MS);
    expect(frame.rows.some((row: Frame) => row.event_type === 'current')).toBe(true);
    await clients.closeAll();
    const database = gateway.app.get<{ query: (sql: string) => Promise<{ rows: Array<{ seen: string }> }> }>(DATABASE);
    const lastSeen = async () => Number((await database.query("select max(last_seen_at) as seen from depeg_events where event_type = 'current'")).rows[0].seen);
    const before = await lastSeen();
    const calls = gateway.simulator.log.recent().length;
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // last_seen_at has a 1 s resolution

    await gateway.app.get(DepegSource).recordFromSharedCache();

    // the live episode was observed and written again, from the cache alone
    expect(await lastSeen()).toBeGreaterThan(before);
    expect(gateway.simulator.log.recent().length).toBe(calls);
  });

  it('keeps the recorded events across a restart and serves them while DefiLlama is down', async () => {
    const before = await open().next(isData, FRAME_MS);
    expect(before.count).toBeGreaterThan(0);
    await clients.closeAll();
    await gateway.close(); // DATA_DIR is ours: the PGlite files stay

    await start();
    gateway.simulator.faults.set('defillama', { kind: '500' });
    const after = await open().next(isData, FRAME_MS);
    expect(after.data_source).toBe('database');
    expect(after.stale).toBe(true);
    expect(after.partial).toBe(true);
    expect(after.missing.map((part: Frame) => part.source)).toEqual(['defillama /stablecoins', 'defillama /stablecoinprices']);
    const key = (row: Frame) => `${row.stablecoin}|${row.timestamp}`;
    expect(after.rows.map(key)).toEqual(before.rows.map(key));
    expect(after.rows.find((row: Frame) => row.stablecoin === 'USDN')).toMatchObject({ event_type: 'current', price: before.rows.find((row: Frame) => row.stablecoin === 'USDN').price });
  }, 300_000);
});
