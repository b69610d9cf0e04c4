import { coingeckoRoutes, json, SimulatorRouteModule, startUpstreamSimulator, UpstreamSimulator } from '@app/simulator';
import { createServer } from 'node:net';
import { z } from 'zod';
import { UpstreamCallOutcome, UpstreamError } from '../contracts';
import { UpstreamLogger } from '../logging/upstream-logger';
import { UpstreamHttpClient, UpstreamHttpClientOptions } from './upstream-http-client';

const SECRET = 'CG-demo-SECRET-abcdef123456';

/** CoinGecko's routes plus one that echoes the key back in an error body, like some upstreams do. */
const echoingRoutes: SimulatorRouteModule = {
  ...coingeckoRoutes,
  routes: [
    ...coingeckoRoutes.routes,
    { path: '/echo-key', handle: ({ headers }) => json({ error: `invalid api key ${String(headers['x-cg-demo-api-key'])}` }, 401) },
    { path: '/echo-key-500', handle: ({ headers }) => json({ error: `upstream broke for ${String(headers['x-cg-demo-api-key'])}` }, 500) },
  ],
};

class RecordingLogger implements UpstreamLogger {
  readonly lines: string[] = [];
  /** the lines written at log or warn level (what an operator sees at LOG_LEVEL=info) */
  readonly visible: string[] = [];
  debug(message: () => string): void {
    this.lines.push(message());
  }
  log(message: string): void {
    this.lines.push(message);
    this.visible.push(message);
  }
  warn(message: string): void {
    this.lines.push(message);
    this.visible.push(message);
  }
}

async function caught(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    return error as UpstreamError;
  }
  throw new Error('expected a rejection');
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('UpstreamHttpClient', () => {
  let sim: UpstreamSimulator;
  let outcomes: UpstreamCallOutcome[];
  let logger: RecordingLogger;

  const client = (overrides: Partial<UpstreamHttpClientOptions> = {}) =>
    new UpstreamHttpClient({
      name: 'coingecko',
      baseUrl: sim.baseUrls.coingecko,
      headers: { 'x-cg-demo-api-key': SECRET },
      timeoutMs: 500,
      retries: 2,
      backoff: { baseMs: 10, maxMs: 40 },
      budget: { callsPerMinute: 6_000 },
      observer: (_upstream, outcome) => outcomes.push(outcome),
      logger,
      ...overrides,
    });

  beforeAll(async () => {
    sim = await startUpstreamSimulator({ seed: 1, routeModules: [echoingRoutes] });
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    sim.faults.clear();
    sim.log.reset();
    outcomes = [];
    logger = new RecordingLogger();
  });

  it('returns the parsed JSON and reports the status to the observer', async () => {
    const body = await client().getJson<{ data: { markets: number } }>('/global');
    expect(body.data.markets).toBe(1336);
    expect(outcomes).toEqual([200]);
    expect(sim.log.last('coingecko')?.headers['x-cg-demo-api-key']).toBe(SECRET);
  });

  it('sends query parameters and skips undefined ones', async () => {
    await client().getJson('/coins/bitcoin', { localization: false, page: 2, skipped: undefined });
    expect(sim.log.last('coingecko')?.query).toEqual({ localization: 'false', page: '2' });
  });

  describe('retries', () => {
    it('retries 5xx with backoff and succeeds, the retries at debug level only', async () => {
      sim.faults.set('coingecko', { kind: '500', status: 503 }, { times: 2 });
      const started = Date.now();
      await client().getJson('/global');
      expect(sim.requests('coingecko', '/global')).toBe(3);
      expect(outcomes).toEqual([503, 503, 200]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(5 + 10 - 2); // half jitter: at least 5 ms, then at least 10 ms
      expect(logger.lines.filter((line) => line.includes('retry'))).toHaveLength(2);
      expect(logger.visible).toEqual([]);
    });

    it('gives up after the last attempt with the status', async () => {
      sim.faults.set('coingecko', { kind: '500' });
      const error = await caught(client().getJson('/global'));
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ upstream: 'coingecko', kind: 'http', status: 500 });
      expect(error.message).toMatch(/^coingecko: GET \/coingecko\/api\/v3\/global failed \(after 3 attempts\): HTTP 500/);
      expect(sim.requests('coingecko')).toBe(3);
    });

    it('does not retry a 4xx other than 429', async () => {
      const error = await caught(client().getJson('/coins/not-a-coin'));
      expect(error).toMatchObject({ kind: 'http', status: 404 });
      expect(error.message).toContain('coin not found');
      expect(sim.requests('coingecko')).toBe(1);
    });

    it('retries timeouts, then fails with kind timeout', async () => {
      sim.faults.set('coingecko', { kind: 'timeout' }, { times: 1 });
      await client({ timeoutMs: 80 }).getJson('/global');
      expect(outcomes).toEqual(['timeout', 200]);

      sim.faults.set('coingecko', { kind: 'timeout' });
      outcomes = [];
      const error = await caught(client({ timeoutMs: 50, retries: 1 }).getJson('/global'));
      expect(error).toMatchObject({ kind: 'timeout', status: undefined });
      expect(error.message).toContain('timed out after 50 ms');
      expect(outcomes).toEqual(['timeout', 'timeout']);
    });

    it('a per-call timeout overrides the client default', async () => {
      sim.faults.set('coingecko', { kind: 'latency', ms: 200 });
      const error = await caught(client({ timeoutMs: 5_000, retries: 0 }).getJson('/global', {}, { timeoutMs: 40 }));
      expect(error.kind).toBe('timeout');
    });

    it('retries network errors, then fails with kind network', async () => {
      const port = await closedPort();
      const error = await caught(client({ baseUrl: `http://127.0.0.1:${port}/api/v3`, retries: 1 }).getJson('/global'));
      expect(error.kind).toBe('network');
      expect(error.message).toContain('ECONNREFUSED');
      expect(outcomes).toEqual(['error', 'error']);
    });

    it('stops when the caller aborts, without retrying', async () => {
      sim.faults.set('coingecko', { kind: 'latency', ms: 300 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 30);
      const error = await caught(client().getJson('/global', {}, { signal: controller.signal }));
      expect(error.kind).toBe('network');
      expect(error.message).toContain('aborted by the caller');
      expect(sim.requests('coingecko')).toBe(1);
    });
  });

  describe('429', () => {
    it('waits for Retry-After (not the backoff) before retrying', async () => {
      sim.faults.set('coingecko', { kind: '429', retryAfterSeconds: 1 }, { times: 1 });
      const started = Date.now();
      await client({ backoff: { baseMs: 10_000, maxMs: 10_000 } }).getJson('/global');
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(950);
      expect(elapsed).toBeLessThan(3_000);
      expect(outcomes).toEqual([429, 200]);
    });

    it('caps a long Retry-After', async () => {
      sim.faults.set('coingecko', { kind: '429', retryAfterSeconds: 3_600 }, { times: 1 });
      const started = Date.now();
      await client({ maxRetryAfterMs: 50 }).getJson('/global');
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('fails with status 429 when the retries run out', async () => {
      sim.faults.set('coingecko', { kind: '429', retryAfterSeconds: 0 });
      const error = await caught(client({ retries: 1 }).getJson('/global'));
      expect(error).toMatchObject({ kind: 'http', status: 429 });
      expect(error.message).toContain('rate limited');
    });
  });

  describe('bodies that are not the expected JSON', () => {
    it('an HTML page with 200 is a parse failure with an excerpt, not retried', async () => {
      sim.faults.set('coingecko', { kind: 'html' });
      const error = await caught(client().getJson('/global'));
      expect(error).toMatchObject({ kind: 'parse', status: 200 });
      expect(error.message).toContain('Just a moment');
      expect(error.message.length).toBeLessThan(300);
      expect(sim.requests('coingecko')).toBe(1);
    });

    it('an HTML page with 5xx is retried, then a parse failure with the status', async () => {
      sim.faults.set('coingecko', { kind: 'html', status: 502 });
      const error = await caught(client().getJson('/global'));
      expect(error).toMatchObject({ kind: 'parse', status: 502 });
      expect(sim.requests('coingecko')).toBe(3);
    });

    it('truncated JSON is a parse failure', async () => {
      sim.faults.set('coingecko', { kind: 'truncated' });
      const error = await caught(client().getJson('/global'));
      expect(error).toMatchObject({ kind: 'parse', status: 200 });
      expect(error.message).toContain('{"data":{');
    });

    it('random bytes are a parse failure with a printable excerpt', async () => {
      sim.faults.set('coingecko', { kind: 'garbage' });
      const error = await caught(client().getJson('/global'));
      expect(error.kind).toBe('parse');
      expect(error.message).not.toMatch(/[\u0000-\u0008\ufffd]/);
    });

    it('a body that does not fit the schema is a validation failure naming the fields', async () => {
      const schema = z.object({ data: z.object({ foo: z.string(), bar: z.number(), baz: z.boolean(), qux: z.array(z.number()) }) });
      const error = await caught(client().getJson('/global', {}, { schema }));
      expect(error).toMatchObject({ kind: 'validation', status: 200 });
      expect(error.message).toMatch(/^coingecko: GET \/coingecko\/api\/v3\/global returned an unexpected shape: /);
      expect(error.message).toContain('data.foo: expected string, received undefined; data.bar: expected number, received undefined; data.baz: expected boolean, received undefined; +1 more');
    });

    it('returns the schema output (its transforms applied) when the body fits', async () => {
      const schema = z.object({ data: z.object({ updated_at: z.number() }) }).transform((body) => body.data.updated_at * 1000);
      expect(typeof (await client().getJson('/global', {}, { schema }))).toBe('number');
    });
  });

  describe('circuit breaker', () => {
    const breaker = { consecutiveFailures: 3, halfOpenAfterMs: 200 };

    it('opens after consecutive failures: one warning, then calls fail fast without a request', async () => {
      sim.faults.set('coingecko', { kind: '500' });
      const states: string[] = [];
      const failing = client({ retries: 0, breaker, onCircuitState: (_upstream, state) => states.push(state) });
      for (let call = 0; call < 3; call++) await caught(failing.getJson('/global'));
      expect(failing.policy.circuitState).toBe('open');
      for (let call = 0; call < 20; call++) {
        const error = await caught(failing.getJson('/global'));
        expect(error).toMatchObject({ upstream: 'coingecko', kind: 'circuit_open' });
      }
      expect(sim.requests('coingecko')).toBe(3);
      expect(outcomes.filter((outcome) => outcome === 'circuit_open')).toHaveLength(20);
      expect(logger.visible).toHaveLength(1);
      expect(logger.visible[0]).toMatch(/^coingecko: circuit open after 3 failures in a row \(last: .*HTTP 500/);
      expect(states).toEqual(['closed', 'open']);
    });

    it('counts each retry as a failure, so one call with its retries can open the circuit', async () => {
      sim.faults.set('coingecko', { kind: '500' });
      const failing = client({ retries: 2, breaker });
      const error = await caught(failing.getJson('/global'));
      expect(error.kind).toBe('http');
      expect(failing.policy.circuitState).toBe('open');
    });

    it('lets one probe through after halfOpenAfter and closes on its success, with one line', async () => {
      sim.faults.set('coingecko', { kind: '500' });
      const states: string[] = [];
      const flaky = client({ retries: 0, breaker, onCircuitState: (_upstream, state) => states.push(state) });
      for (let call = 0; call < 3; call++) await caught(flaky.getJson('/global'));
      await new Promise((resolve) => setTimeout(resolve, 250));
      await caught(flaky.getJson('/global')); // the probe fails: open again, silently
      expect(flaky.policy.circuitState).toBe('open');
      sim.faults.clear();
      await new Promise((resolve) => setTimeout(resolve, 250));
      await flaky.getJson('/global');
      expect(flaky.policy.circuitState).toBe('closed');
      expect(states).toEqual(['closed', 'open', 'half_open', 'open', 'half_open', 'closed']);
      expect(logger.visible).toHaveLength(2);
      expect(logger.visible[1]).toMatch(/^coingecko: circuit closed, the upstream answers again/);
    });

    it('does not count a 4xx, a bad body or a refused budget against the upstream', async () => {
      const healthy = client({ retries: 0, breaker, budget: { callsPerMinute: 60, capacity: 2, maxWaitMs: 0 } });
      for (let call = 0; call < 4; call++) await caught(healthy.getJson('/coins/not-a-coin'));
      expect(healthy.policy.circuitState).toBe('closed');
    });
  });

  describe('request budget', () => {
    it('fails fast with kind budget when no token comes within the bound', async () => {
      const limited = client({ budget: { callsPerMinute: 60, capacity: 2, maxWaitMs: 0 } });
      expect(limited.callsPerMinute).toBe(60);
      await limited.getJson('/global');
      await limited.getJson('/global');
      const started = Date.now();
      const error = await caught(limited.getJson('/global'));
      expect(Date.now() - started).toBeLessThan(100);
      expect(error).toMatchObject({ kind: 'budget', status: undefined });
      expect(error.message).toContain('60/min');
      expect(sim.requests('coingecko')).toBe(2);
      expect(outcomes).toEqual([200, 200, 'budget']);
    });

    it('waits for a token when one comes within the bound', async () => {
      const limited = client({ budget: { callsPerMinute: 600, capacity: 1, maxWaitMs: 1_000 } }); // a token per 100 ms
      // timed from before the first call: the next token comes 100 ms after the first was taken, however long the
      // first call itself took (timing from between the calls failed on a loaded machine: 77 ms)
      const started = Date.now();
      await limited.getJson('/global');
      await limited.getJson('/global');
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      expect(sim.requests('coingecko')).toBe(2);
    });

    it('charges every retry', async () => {
      sim.faults.set('coingecko', { kind: '500' });
      const error = await caught(client({ retries: 5, budget: { callsPerMinute: 60, capacity: 2, maxWaitMs: 0 } }).getJson('/global'));
      expect(error.kind).toBe('budget');
      expect(sim.requests('coingecko')).toBe(2);
    });
  });

  describe('secrets', () => {
    it('never shows the API key in errors or logs, even when the upstream echoes it', async () => {
      const noisy = client({ retries: 1 });
      const errors = [
        await caught(noisy.getJson('/echo-key')),
        await caught(noisy.getJson('/echo-key-500')),
        await caught(noisy.getJson('/global', { x_cg_demo_api_key: 'query-secret-999' }, { schema: z.object({ missing: z.string() }) })),
      ];
      await noisy.getJson('/global'); // a debug line for a success
      expect(errors.map((error) => error.message).join('\n')).toContain('invalid api key <redacted>');
      expect(errors[2].message).toContain('x_cg_demo_api_key=<redacted>');
      const everything = [...errors.map((error) => `${error.message} ${error.stack}`), ...logger.lines].join('\n');
      expect(everything).not.toContain(SECRET);
      expect(everything).not.toContain('query-secret-999');
      expect(logger.lines.length).toBeGreaterThan(3);
    });
  });

  it('hands debug messages over as functions, so nothing is built while debug is off', async () => {
    const handed: string[] = [];
    const quiet: UpstreamLogger = { debug: (message) => void handed.push(typeof message), log: () => undefined, warn: () => undefined };
    await client({ logger: quiet }).getJson('/global');
    expect(handed).toEqual(['function']);
  });
});
