import { API_KEY_STORE, type ApiKeyStore } from '@app/api-keys';
import { signRequest } from '@app/api-keys/signing';
import { SignJWT } from 'jose';
import { Writable } from 'node:stream';
import WebSocket from 'ws';
import { startGateway, type GatewayUnderTest } from './support/harness';
import { rawRequest } from './support/raw-http';

jest.setTimeout(120_000);

const JWT_SECRET = 'log-e2e-jwt-secret-0123456789';
const STREAM = '/tzone_apis/services/stablecoins/btc_dom';
const LIST = '/api/open/v1/vs-token/list';
const LIVE_CF = '/api/open/v1/trade/snapshot/live';
const unique = (label: string) => `${label}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;

/** Every log line the gateway writes, kept in memory. */
class CapturedLog extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

function upgrade(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    socket.once('error', reject);
  });
}

describe('no secret reaches a log line (e2e, logs captured at trace level)', () => {
  const log = new CapturedLog();
  let gateway: GatewayUnderTest;

  beforeAll(async () => {
    gateway = await startGateway({ env: { LOG_LEVEL: 'trace', AUTH_REQUIRED: 'true', AUTH_JWT_SECRET: JWT_SECRET, CAPITAL_FLOW_INGEST: 'false' }, logDestination: log });
  });
  afterAll(() => gateway?.close());

  it('redacts keys, tokens, cookies, JWTs and signatures in URLs, queries, headers and messages', async () => {
    const secrets: string[] = [];
    const secret = (label: string) => {
      const value = unique(label);
      secrets.push(value);
      return value;
    };
    const jwt = async () => {
      const token = await new SignJWT({ sub: 'log-e2e' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(JWT_SECRET));
      secrets.push(token);
      return token;
    };

    // REST: key-like query parameters in every spelling, on served, refused (401) and unknown (404) routes
    await rawRequest(`${gateway.httpUrl}/symbol_info?api_key=${secret('q-api-key')}&limit=5`);
    await rawRequest(`${gateway.httpUrl}/v1/spreads/recent?apikey=${secret('q-apikey')}&TOKEN=${secret('q-token')}&Access_Token=${secret('q-access-token')}`);
    await rawRequest(`${gateway.httpUrl}/v1/spreads/recent?secret=${secret('q-secret')}&signature=${secret('q-signature')}&sign=${secret('q-sign')}&password=${secret('q-password')}&key=${secret('q-key')}`);
    await rawRequest(`${gateway.httpUrl}/no/such/route?x-api-key=${secret('q-x-api-key')}&api%5Fkey=${secret('q-encoded')}`);
    // REST: credentials in headers and cookies
    await rawRequest(`${gateway.httpUrl}/v1/spreads/recent`, { headers: { 'x-api-key': secret('h-api-key') } });
    await rawRequest(`${gateway.httpUrl}/symbol_info`, { headers: { authorization: `Bearer ${await jwt()}`, cookie: `access_token=${await jwt()}; theme=dark` } });
    // the open API's signed headers, with a real key and secret
    const consumer = { key: secret('cf-key'), secret: secret('cf-secret') };
    await gateway.app.get<ApiKeyStore>(API_KEY_STORE).upsert({ ...consumer, tier: 'builder', name: 'log e2e', points: 100 });
    const body = '{}';
    const timestamp = String(Date.now());
    const sign = signRequest(consumer.secret, { timestamp, method: 'POST', path: LIST, body });
    secrets.push(sign);
    const signed = await rawRequest(`${gateway.httpUrl}${LIST}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': consumer.key, 'x-timestamp': timestamp, 'x-sign': sign }, body });
    expect(signed.status).toBe(200);
    await rawRequest(`${gateway.httpUrl}${LIST}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': consumer.key, 'x-timestamp': timestamp, 'x-sign': secret('bad-sign') }, body });

    // WebSocket upgrades: JWT in the cookie and the bearer header, keys in the query, a refused token
    expect(await upgrade(gateway.wsUrl(STREAM, { api_key: secret('ws-api-key'), token: secret('ws-token') }), { cookie: `access_token=${await jwt()}` })).toBe(101);
    expect(await upgrade(gateway.wsUrl(STREAM), { authorization: `Bearer ${await jwt()}` })).toBe(101);
    await upgrade(gateway.wsUrl(STREAM, { access_token: secret('ws-access-token') }), { authorization: `Bearer ${secret('ws-bad-bearer')}` });
    await upgrade(gateway.wsUrl('/v1/spreads/live', { api_key: secret('ws-spreads-key') }));
    await upgrade(gateway.wsUrl(LIVE_CF, { vsTokenId: 1 }), { 'x-api-key': consumer.key, 'x-sign': secret('ws-cf-sign'), 'x-timestamp': String(Date.now()) });

    await new Promise((resolve) => setTimeout(resolve, 200)); // let the last lines flush
    expect(log.text).toContain('/symbol_info?api_key=<redacted>&limit=5'); // the requests were logged, redacted
    expect(log.text).toContain('"statusCode":401');
    expect(log.text).toContain('ALLOWED_ORIGINS is unset: same-origin only'); // the start-up line
    const leaked = secrets.filter((value) => log.text.includes(value));
    expect(leaked).toEqual([]);
  });
});
