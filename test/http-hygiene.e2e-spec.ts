import { API_KEY_STORE, type ApiKeyStore } from '@app/api-keys';
import { signRequest } from '@app/api-keys/signing';
import WebSocket from 'ws';
import { startGateway, type GatewayUnderTest } from './support/harness';
import { rawRequest } from './support/raw-http';

jest.setTimeout(120_000);

const STREAM = '/tzone_apis/services/stablecoins/btc_dom';
const LIST = '/api/open/v1/vs-token/list';
const APP_ORIGIN = 'https://app.example.com';
const FOREIGN_ORIGIN = 'https://evil.example.net';

/** Opens a real WebSocket upgrade; resolves with 101 (opened, then closed) or the HTTP status and body of the refusal. */
function upgrade(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => {
      socket.close();
      resolve({ status: 101, body: '' });
    });
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    socket.once('error', reject);
  });
}

async function addKey(gateway: GatewayUnderTest, name: string) {
  const key = { key: `http-e2e-${name}-${process.pid}-${Date.now()}`, secret: `http-e2e-secret-${name}-${Date.now()}` };
  await gateway.app.get<ApiKeyStore>(API_KEY_STORE).upsert({ ...key, tier: 'builder', name, points: 1_000 });
  return key;
}

function signedHeaders(key: { key: string; secret: string }, path: string, body: string): Record<string, string> {
  const timestamp = String(Date.now());
  return { 'content-type': 'application/json', 'x-api-key': key.key, 'x-timestamp': timestamp, 'x-sign': signRequest(key.secret, { timestamp, method: 'POST', path, body }) };
}

describe('HTTP hygiene with ALLOWED_ORIGINS listed (e2e)', () => {
  let gateway: GatewayUnderTest;

  beforeAll(async () => {
    gateway = await startGateway({
      env: { ALLOWED_ORIGINS: `${APP_ORIGIN}, http://localhost:3000`, HTTP_RATE_LIMIT_PER_IP_PER_MINUTE: '60', HTTP_RATE_LIMIT_PER_KEY_PER_MINUTE: '5', CAPITAL_FLOW_INGEST: 'false' },
    });
  });
  afterAll(() => gateway?.close());

  describe('origins (cross-site WebSocket hijacking)', () => {
    it('upgrades a listed origin, and a client that sends no Origin', async () => {
      expect((await upgrade(gateway.wsUrl(STREAM), { origin: APP_ORIGIN })).status).toBe(101);
      expect((await upgrade(gateway.wsUrl(STREAM), { origin: 'HTTP://LOCALHOST:3000' })).status).toBe(101);
      expect((await upgrade(gateway.wsUrl(STREAM))).status).toBe(101);
    });

    it('refuses the upgrade of a foreign origin with 403 and a JSON body, whatever the path', async () => {
      for (const path of [STREAM, '/no/such/stream']) {
        const refused = await upgrade(gateway.wsUrl(path), { origin: FOREIGN_ORIGIN });
        expect(refused.status).toBe(403);
        expect(JSON.parse(refused.body)).toEqual({ code: 403, message: expect.stringContaining('ALLOWED_ORIGINS'), details: [] });
      }
      // look-alikes and junk are foreign too
      for (const origin of ['https://app.example.com.evil.net', 'https://app.example.com:8443', 'null', 'x'.repeat(5_000)]) {
        expect((await upgrade(gateway.wsUrl(STREAM), { origin })).status).toBe(403);
      }
    });

    it('refuses a foreign origin on REST with 403 {code, message, details}', async () => {
      const refused = await rawRequest(`${gateway.httpUrl}/symbol_info`, { headers: { origin: FOREIGN_ORIGIN } });
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body)).toEqual({ code: 403, message: expect.stringContaining(FOREIGN_ORIGIN), details: [] });
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
      expect((await rawRequest(`${gateway.httpUrl}/symbol_info`, { headers: { origin: APP_ORIGIN } })).status).toBe(200);
      expect((await rawRequest(`${gateway.httpUrl}/symbol_info`)).status).toBe(200);
    });

    it('answers a preflight of a listed origin with 204 and the allow headers; nothing for others', async () => {
      const preflight = (origin: string) =>
        rawRequest(`${gateway.httpUrl}${LIST}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-api-key,x-timestamp,x-sign' } });
      const allowed = await preflight(APP_ORIGIN);
      expect(allowed.status).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
      expect(allowed.headers['access-control-allow-credentials']).toBe('true');
      expect(allowed.headers['access-control-allow-methods']).toContain('POST');
      for (const header of ['X-API-KEY', 'X-TIMESTAMP', 'X-SIGN', 'Authorization', 'Content-Type']) expect(allowed.headers['access-control-allow-headers']).toContain(header);
      const foreign = await preflight(FOREIGN_ORIGIN);
      expect(foreign.status).toBe(403);
      expect(Object.keys(foreign.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    });
  });

  describe('security headers', () => {
    it('sends helmet headers and no X-Powered-By on API responses, errors and /docs; Swagger UI still loads', async () => {
      for (const path of ['/symbol_info', '/no/such/route', '/docs', '/docs/swagger-ui-init.js']) {
        const response = await rawRequest(`${gateway.httpUrl}${path}`);
        expect(response.headers['x-powered-by']).toBeUndefined();
        expect(response.headers['x-content-type-options']).toBe('nosniff');
        expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
        expect(response.headers['content-security-policy']).toContain("default-src 'self'");
        expect(response.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
      }
      const docs = await rawRequest(`${gateway.httpUrl}/docs`);
      expect(docs.status).toBe(200);
      // Swagger UI's page loads only same-origin scripts, which the policy allows
      const scripts = [...docs.body.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1]);
      expect(scripts.length).toBeGreaterThan(0);
      for (const src of scripts) expect((await rawRequest(new URL(src, `${gateway.httpUrl}/docs`).toString())).status).toBe(200);
    });
  });

  describe('hostile bodies', () => {
    const fiveMegabytes = JSON.stringify({ padding: 'x'.repeat(5 * 1024 * 1024) });

    it('answers a 5 MB body with 413 naming the limit, on a REST route and on the open API (its envelope)', async () => {
      const rest = await rawRequest(`${gateway.httpUrl}/symbol_info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: fiveMegabytes });
      expect(rest.status).toBe(413);
      expect(JSON.parse(rest.body)).toEqual({ code: 413, message: expect.stringContaining('65536 bytes'), details: [] });
      const text = await rawRequest(`${gateway.httpUrl}/symbol_info`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: fiveMegabytes });
      expect(text.status).toBe(413);

      const key = await addKey(gateway, 'big');
      const open = await rawRequest(`${gateway.httpUrl}${LIST}`, { method: 'POST', headers: signedHeaders(key, LIST, fiveMegabytes), body: fiveMegabytes });
      expect(open.status).toBe(413);
      expect(JSON.parse(open.body)).toMatchObject({ code: 41300, message: expect.stringContaining('65536 bytes'), data: null, requestId: expect.any(String) });
    });

    it('answers a JSON body nested 5,000 levels deep with 400 naming the problem (signed, so it would reach validation)', async () => {
      const key = await addKey(gateway, 'deep');
      const deep = `{"symbol":${'['.repeat(5_000)}${']'.repeat(5_000)}}`;
      const open = await rawRequest(`${gateway.httpUrl}${LIST}`, { method: 'POST', headers: signedHeaders(key, LIST, deep), body: deep });
      expect(open.status).toBe(400);
      expect(JSON.parse(open.body)).toMatchObject({ code: 40000, message: expect.stringContaining('deeper than 32 levels'), data: null });
      const rest = await rawRequest(`${gateway.httpUrl}/symbol_info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep });
      expect(rest.status).toBe(400);
      expect(JSON.parse(rest.body)).toEqual({ code: 400, message: expect.stringContaining('deeper than 32 levels'), details: [] });
      // still healthy, and a normal signed call still works
      expect((await rawRequest(`${gateway.httpUrl}/health/live`)).status).toBe(200);
      const body = JSON.stringify({ symbol: 'BTC' });
      const ok = await rawRequest(`${gateway.httpUrl}${LIST}`, { method: 'POST', headers: signedHeaders(key, LIST, body), body });
      expect(ok.status).toBe(200);
    });

    it('answers a JSON body of more than 256 keys with 400 before parsing it (fresh keys would fill the old generation)', async () => {
      const key = await addKey(gateway, 'wide');
      const wide = `{${Array.from({ length: 300 }, (_, i) => `"fresh_${i}_${Date.now()}":${i}`).join(',')}}`;
      const open = await rawRequest(`${gateway.httpUrl}${LIST}`, { method: 'POST', headers: signedHeaders(key, LIST, wide), body: wide });
      expect(open.status).toBe(400);
      expect(JSON.parse(open.body)).toMatchObject({ code: 40000, message: expect.stringContaining('more than 256 object keys'), data: null });
      const rest = await rawRequest(`${gateway.httpUrl}/symbol_info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: wide });
      expect(rest.status).toBe(400);
      expect(JSON.parse(rest.body)).toEqual({ code: 400, message: 'request body has more than 256 object keys', details: [] });
    });
  });

  describe('rate limits (60/min per IP, 5/min per key in this suite)', () => {
    it('limits one IP: a burst beyond the limit gets 429 with Retry-After and RateLimit-* headers; health stays exempt', async () => {
      const from = { localAddress: '127.0.0.3' };
      const first = await rawRequest(`${gateway.httpUrl}/symbol_info`, from);
      expect(first.status).toBe(200);
      expect(first.headers['ratelimit-limit']).toBe('60');
      expect(first.headers['ratelimit-remaining']).toBe('59');
      expect(Number(first.headers['ratelimit-reset'])).toBeGreaterThan(0);
      const burst = await Promise.all(Array.from({ length: 60 }, () => rawRequest(`${gateway.httpUrl}/symbol_info`, from)));
      const refused = burst.filter((response) => response.status === 429);
      expect(refused).toHaveLength(1);
      expect(JSON.parse(refused[0].body)).toEqual({ code: 429, message: expect.stringContaining('60 requests per minute per IP address'), details: [] });
      expect(Number(refused[0].headers['retry-after'])).toBeGreaterThan(0);
      expect(refused[0].headers['ratelimit-limit']).toBe('60');
      expect(refused[0].headers['ratelimit-remaining']).toBe('0');
      expect(Number(refused[0].headers['ratelimit-reset'])).toBeGreaterThan(0);
      expect((await rawRequest(`${gateway.httpUrl}/health/live`, from)).status).toBe(200);
      expect((await rawRequest(`${gateway.httpUrl}/metrics`, from)).status).toBe(200);
      // another client IP is not affected
      expect((await rawRequest(`${gateway.httpUrl}/symbol_info`, { localAddress: '127.0.0.4' })).status).toBe(200);
    });

    it('limits one API key across IPs, independently of other keys', async () => {
      const spent = { 'x-api-key': 'rate-key-one' };
      for (let i = 0; i < 5; i++) expect((await rawRequest(`${gateway.httpUrl}/symbol_info`, { headers: spent, localAddress: '127.0.0.5' })).status).toBe(200);
      const elsewhere = await rawRequest(`${gateway.httpUrl}/symbol_info`, { headers: spent, localAddress: '127.0.0.6' });
      expect(elsewhere.status).toBe(429);
      expect(elsewhere.headers['ratelimit-limit']).toBe('5');
      expect(JSON.parse(elsewhere.body).message).toContain('per API key');
      // the same key in the query string counts against the same budget
      expect((await rawRequest(`${gateway.httpUrl}/symbol_info?api_key=rate-key-one`, { localAddress: '127.0.0.7' })).status).toBe(429);
      expect((await rawRequest(`${gateway.httpUrl}/symbol_info`, { headers: { 'x-api-key': 'rate-key-two' }, localAddress: '127.0.0.5' })).status).toBe(200);
    });

    it('keeps the open API envelope for a rate-limited call', async () => {
      const key = await addKey(gateway, 'rate');
      const body = '{}';
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) {
        const response = await rawRequest(`${gateway.httpUrl}${LIST}`, { method: 'POST', headers: signedHeaders(key, LIST, body), body, localAddress: '127.0.0.8' });
        codes.push(JSON.parse(response.body).code);
        if (response.status === 429) expect(response.headers['retry-after']).toBeDefined();
      }
      expect(codes).toEqual([200, 200, 200, 200, 200, 42901]);
    });
  });
});

describe('ALLOWED_ORIGINS unset: same-origin only (e2e)', () => {
  let gateway: GatewayUnderTest;
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway?.close());

  it('accepts an Origin whose host is the Host header and refuses any other, on WebSocket and REST', async () => {
    const own = new URL(gateway.httpUrl).origin; // http://127.0.0.1:<port>, the Host the clients send
    expect((await upgrade(gateway.wsUrl(STREAM), { origin: own })).status).toBe(101);
    expect((await upgrade(gateway.wsUrl(STREAM), { origin: FOREIGN_ORIGIN })).status).toBe(403);
    expect((await upgrade(gateway.wsUrl(STREAM))).status).toBe(101);
    expect((await rawRequest(`${gateway.httpUrl}/symbol_info`, { headers: { origin: own } })).status).toBe(200);
    expect((await rawRequest(`${gateway.httpUrl}/symbol_info`, { headers: { origin: FOREIGN_ORIGIN } })).status).toBe(403);
    expect((await rawRequest(`${gateway.httpUrl}/symbol_info`, { headers: { origin: own.replace('127.0.0.1', 'localhost') } })).status).toBe(403);
  });
});

describe('ALLOWED_ORIGINS=* (e2e)', () => {
  let gateway: GatewayUnderTest;
  beforeAll(async () => {
    gateway = await startGateway({ env: { ALLOWED_ORIGINS: '*' } });
  });
  afterAll(() => gateway?.close());

  it('accepts any origin on WebSocket and REST', async () => {
    expect((await upgrade(gateway.wsUrl(STREAM), { origin: FOREIGN_ORIGIN })).status).toBe(101);
    const rest = await rawRequest(`${gateway.httpUrl}/symbol_info`, { headers: { origin: FOREIGN_ORIGIN } });
    expect(rest.status).toBe(200);
    expect(rest.headers['access-control-allow-origin']).toBe('*');
  });
});
