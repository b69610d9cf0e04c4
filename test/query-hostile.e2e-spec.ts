/**
 * Hostile and careless clients of the seed-000 filter pipe, over real sockets (issue 9 A1, A3, B15):
 * a huge numeric value must not freeze the process, a `__proto__` filter must not poison a shared view, and a
 * field the stream's rows lack is an error naming the param, at connect and on an update.
 */
import { startGateway, type GatewayUnderTest } from './support/harness';
import { ClientPool, isData, isError, type Frame } from './support/ws-client';

const PREFIX = '/tzone_apis/services/stablecoins';
const MAIN_TABLE = `${PREFIX}/ws/main_table`;
const BTC_DOM = `${PREFIX}/btc_dom`;
const VOLUME = `${PREFIX}/derivative/ws/24h_volume`;
/** generous: e2e suites share a busy machine */
const FRAME_MS = 30_000;
jest.setTimeout(120_000);

/** Digits then a letter: the input the old `\d+\.?\d*` pattern took quadratic time to reject (16,000: 0.5 s). */
const hugeNumber = (digits: number) => `${'1'.repeat(digits)}x`;
const params = (frame: Frame) => (frame.details as Array<{ param: string }>).map((detail) => detail.param);

describe('hostile filter-pipe input (e2e, simulator upstreams)', () => {
  let gateway: GatewayUnderTest;
  const clients = new ClientPool((path, query) => gateway.wsUrl(path, query), { viewProtocol: true });
  const open = (path: string, query: Record<string, string | number> = {}) => clients.open(path, query);

  beforeAll(async () => {
    gateway = await startGateway({ env: { UPSTREAM_TIMEOUT_MS: '3000' } });
    gateway.simulator.clock.freeze(Math.floor(Date.now() / 60_000) * 60_000);
  }, 60_000);
  afterEach(async () => {
    await clients.closeAll();
    await new Promise((resolve) => setTimeout(resolve, 300));
  });
  afterAll(() => gateway.close(), 240_000);

  /** Probes /health/live back to back until `done` settles; returns the slowest answer in ms. */
  async function slowestLiveProbeWhile(done: Promise<unknown>): Promise<number> {
    let finished = false;
    void done.finally(() => (finished = true));
    let slowest = 0;
    let probes = 0;
    while (!finished || probes < 5) {
      const started = performance.now();
      const response = await fetch(`${gateway.httpUrl}/health/live`);
      expect(response.status).toBe(200);
      slowest = Math.max(slowest, performance.now() - started);
      probes++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return slowest;
  }

  describe('A1: a huge number does not freeze the event loop', () => {
    it('refuses a 15,000-digit start_time at connect with invalid_params naming it, then 1008', async () => {
      const client = open(MAIN_TABLE, { start_time: hugeNumber(15_000) });
      const error = await client.next(isError, FRAME_MS);
      expect(error).toMatchObject({ type: 'error', code: 'invalid_params' });
      expect(params(error)).toEqual(['start_time']);
      expect(JSON.stringify(error).length).toBeLessThan(1_000);
      expect((await client.closed).code).toBe(1008);
    });

    it('answers ten 16,000-digit start_time / end_time / filter updates in a second with errors while /health/live stays fast', async () => {
      const client = open(BTC_DOM);
      await client.next(isData, FRAME_MS);
      const updates = [
        ...Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? { start_time: hugeNumber(16_000) } : { end_time: hugeNumber(16_000) })),
        { filters: { Value: `>${hugeNumber(16_000)}` } },
        { filters: JSON.stringify({ Value: `<${hugeNumber(15_000)}` }) },
      ];
      // ten at once, the message rate limit: the old parse blocked the loop 0.25–0.5 s for each time value
      const started = performance.now();
      for (const update of updates) client.send(update);
      const seen = client.frames.length;
      const answered = (async () => {
        // read the frames themselves: several answers may arrive in one tick
        while (client.frames.length < seen + updates.length && performance.now() - started < FRAME_MS) await new Promise((resolve) => setTimeout(resolve, 5));
        return { errors: client.frames.slice(seen), ms: performance.now() - started };
      })();
      const slowest = await slowestLiveProbeWhile(answered);
      const { errors, ms } = await answered;
      expect(errors.map((error) => [error.code, params(error)])).toEqual([
        ...Array.from({ length: 8 }, (_, i) => ['invalid_params', [i % 2 === 0 ? 'start_time' : 'end_time']]),
        ['invalid_params', ['filters']],
        ['invalid_params', ['filters']],
      ]);
      // linear parsing answers all ten in well under a second (about 0.2 s on a busy CI box); the quadratic one took 4 s,
      // holding every probe of /health/live meanwhile
      expect(ms).toBeLessThan(1_500);
      expect(slowest).toBeLessThan(750);
      // the socket lives on with its view (in the next rate-limit window)
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      client.send({ search: 'bitcoin' });
      expect((await client.next(isData, FRAME_MS)).results).toEqual([expect.objectContaining({ Title: 'Bitcoin Dominance' })]);
    });
  });

  describe('A3: a __proto__ filter cannot poison a shared view', () => {
    it.each(['__proto__', 'constructor', 'prototype'])('refuses %s at connect, and the next client with the real filter gets the real view', async (name) => {
      const poisoned = open(MAIN_TABLE, { filters: `{"name":"Tether",${JSON.stringify(name)}:"x"}` });
      const error = await poisoned.next(() => true, FRAME_MS);
      expect(error).toMatchObject({ type: 'error', code: 'invalid_params' });
      expect(error.details).toEqual([{ param: 'filters', message: `${JSON.stringify(name)} is a reserved name, not a field` }]);
      expect((await poisoned.closed).code).toBe(1008);

      const honest = await open(MAIN_TABLE, { filters: '{"name":"Tether"}' }).next(isData, FRAME_MS);
      expect(honest.rows).toEqual([expect.objectContaining({ name: 'Tether', symbol: 'USDT' })]);
      expect(honest.count).toBe(1);
    });

    it('refuses it in an update message, keeps the previous view, and leaves the shared view intact', async () => {
      const client = open(MAIN_TABLE, { filters: '{"symbol":"USDC"}' });
      await client.next(isData, FRAME_MS);
      client.send('{"filters":{"name":"Tether","__proto__":"x"}}');
      const error = await client.next(() => true, FRAME_MS);
      expect(error).toMatchObject({ type: 'error', code: 'invalid_params', details: [{ param: 'filters' }] });
      client.send('{"__proto__":{"filters":"{\\"name\\":\\"nothing\\"}"}}');
      expect(params(await client.next(() => true, FRAME_MS))).toEqual(['__proto__']);

      const honest = await open(MAIN_TABLE, { filters: '{"name":"Tether"}' }).next(isData, FRAME_MS);
      expect(honest.rows).toEqual([expect.objectContaining({ name: 'Tether' })]);
      client.send({ page_size: 5 }); // merged into the kept params: still USDC
      expect((await client.next(isData, FRAME_MS)).rows).toEqual([expect.objectContaining({ symbol: 'USDC' })]);
    });
  });

  describe('B15: fields the rows lack are errors naming the param', () => {
    it.each([
      [MAIN_TABLE, { filters: '{"nope":1,"name":"Tether"}' }, ['filters'], 'unknown field "nope"'],
      [MAIN_TABLE, { sort_by: 'volume', dedupe_key: 'symbol,a,b,c,d' }, ['sort_by', 'dedupe_key'], 'unknown fields "a", "b", "c" and 1 more'],
      [BTC_DOM, { time_field: 'time', start_time: 1 }, ['time_field'], 'unknown field "time"'],
      [VOLUME, { filters: '{"exchange":"binance"}' }, ['filters'], "this stream's fields: title, value, subtext"],
    ])('refuses %s?%j at connect with an error frame, then 1008', async (path, query, named, message) => {
      const client = open(path, query);
      const error = await client.next(() => true, FRAME_MS);
      expect(error).toMatchObject({ type: 'error', code: 'invalid_params' });
      expect(params(error)).toEqual(named);
      // error frames are bounded (message and each detail cut short): the explanation may sit in either
      expect([error.message, ...error.details.map((detail: { message: string }) => detail.message)].join('\n')).toContain(message);
      expect((await client.closed).code).toBe(1008);
    });

    it('accepts the fields of nested rows (distribution chains[].chain, derivatives details[].market)', async () => {
      const distribution = await open(`${PREFIX}/ws/distribution_analysis`, { filters: '{"chain":"tron"}', sort_by: 'total_usd' }).next(() => true, FRAME_MS);
      expect(distribution.type).not.toBe('error');
      const volume = await open(VOLUME, { filters: '{"market":"binance"}', sort_by: 'volume' }).next(() => true, FRAME_MS);
      expect(volume.type).not.toBe('error');
    });

    it.each([
      [MAIN_TABLE, { filters: '{"name":"Tether"}' }, { sort_by: 'volume' }, 'sort_by', (frame: Frame) => frame.rows.map((row: { name: string }) => row.name), ['Tether']],
      [BTC_DOM, { search: 'bitcoin' }, { dedupe_key: 'Title,nope' }, 'dedupe_key', (frame: Frame) => frame.results.map((row: { Title: string }) => row.Title), ['Bitcoin Dominance']],
    ])('answers an update naming an unknown field on %s with an error frame and keeps the view', async (path, query, update, param, pick, expected) => {
      const client = open(path, query);
      expect(pick(await client.next(isData, FRAME_MS))).toEqual(expected);
      client.send(update);
      const error = await client.next(() => true, 5_000);
      expect(error).toMatchObject({ type: 'error', code: 'invalid_params' });
      expect(params(error)).toEqual([param]);
      client.send({ page_size: 3 }); // merged into the kept params, not into the refused ones
      expect(pick(await client.next(isData, FRAME_MS))).toEqual(expected);
    });
  });
});
