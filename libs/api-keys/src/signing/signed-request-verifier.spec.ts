import { availableStoreKinds, countingStatements, openMigratedTestDatabase, type MigratedTestDatabase } from '@app/storage/testing/test-stores';
import type { ApiConsumer } from '../contracts';
import Redis from 'ioredis';
import { RedisReplayGuard, SqlReplayGuard } from './replay-guard';
import { signRequest, stringToSign } from './request-signature';
import { SignedRequestVerifier } from './signed-request-verifier';

const consumer: ApiConsumer = { id: 7, name: 'acme', tier: 'builder', secret: 'top-secret', points: 100, trace: 'c_x', disabled: false };
const keys = { findByKey: async (key: string) => (key === 'key-1' ? consumer : undefined) };
const NOW = 1_773_654_600_000;
const path = '/api/open/v1/trade/getCoinTradeSnapshot';
const body = '{\n    "vsTokenId": 1,\n    "date": 1773654600000\n}';

describe('request signature', () => {
  it('signs timestamp + METHOD + path + body (hand-checked vector)', () => {
    const parts = { timestamp: String(NOW), method: 'post', path, body: '{"vsTokenId":1}' };
    expect(stringToSign(parts).toString()).toBe('1773654600000POST/api/open/v1/trade/getCoinTradeSnapshot{"vsTokenId":1}');
    // echo -n '1773654600000POST/api/open/v1/trade/getCoinTradeSnapshot{"vsTokenId":1}' | openssl dgst -sha256 -hmac top-secret
    expect(signRequest('top-secret', parts)).toBe(require('node:crypto').createHmac('sha256', 'top-secret').update('1773654600000POST/api/open/v1/trade/getCoinTradeSnapshot{"vsTokenId":1}').digest('hex'));
  });
});

describe.each(availableStoreKinds())('SignedRequestVerifier (%s replay guard)', (kind) => {
  let testDb: MigratedTestDatabase;
  let now = NOW;
  let verifier: SignedRequestVerifier;

  beforeAll(async () => {
    testDb = await openMigratedTestDatabase(kind);
    verifier = new SignedRequestVerifier(keys, new SqlReplayGuard(testDb.db), { now: () => now });
  });
  afterAll(async () => {
    await testDb.dispose();
  });

  const signed = (timestamp: number, overrides: Record<string, string | undefined> = {}) => {
    const parts = { timestamp: String(timestamp), method: 'POST', path, body };
    return { ...parts, apiKey: 'key-1', sign: signRequest('top-secret', parts), ...overrides };
  };

  it('accepts a fresh signed request once and refuses its exact replay', async () => {
    const request = signed(NOW - 1_000);
    await expect(verifier.verify(request)).resolves.toMatchObject({ id: 7 });
    await expect(verifier.verify(request)).rejects.toMatchObject({ reason: 'replayed' });
    // upper-case hex is the same signature: still a replay
    await expect(verifier.verify({ ...request, sign: request.sign.toUpperCase() })).rejects.toMatchObject({ reason: 'replayed' });
  });

  it('refuses each bad request with its own reason', async () => {
    await expect(verifier.verify(signed(NOW, { sign: undefined }))).rejects.toMatchObject({ reason: 'missing_credentials', message: expect.stringContaining('X-SIGN') });
    await expect(verifier.verify(signed(NOW, { timestamp: '17e11' }))).rejects.toMatchObject({ reason: 'invalid_timestamp' });
    await expect(verifier.verify(signed(NOW - 30_001))).rejects.toMatchObject({ reason: 'stale_timestamp' });
    await expect(verifier.verify(signed(NOW + 30_001))).rejects.toMatchObject({ reason: 'stale_timestamp' });
    await expect(verifier.verify(signed(NOW, { apiKey: 'nope' }))).rejects.toMatchObject({ reason: 'unknown_key' });
    await expect(verifier.verify(signed(NOW, { body: body.replace('1,', '2,') }))).rejects.toMatchObject({ reason: 'invalid_signature' });
    await expect(verifier.verify(signed(NOW, { sign: 'abc' }))).rejects.toMatchObject({ reason: 'invalid_signature' });
    // the edges of the window are accepted
    await expect(verifier.verify(signed(NOW - 30_000))).resolves.toBeDefined();
    await expect(verifier.verify(signed(NOW + 30_000))).resolves.toBeDefined();
  });

  it('forgets a signature once it can no longer pass the timestamp check', async () => {
    const request = signed(NOW + 5_000);
    await verifier.verify(request);
    now = NOW + 5_000 + 31_001; // expired row: the same signature is stale by now anyway
    await expect(verifier.verify(request)).rejects.toMatchObject({ reason: 'stale_timestamp' });
    now = NOW;
  });
});

describe.each(availableStoreKinds())('SqlReplayGuard group commit (%s)', (kind) => {
  let testDb: MigratedTestDatabase;
  beforeAll(async () => {
    testDb = await openMigratedTestDatabase(kind);
  });
  afterAll(() => testDb.dispose());

  it('writes concurrent signatures in one statement and lets exactly one of identical ones through, whatever their case', async () => {
    const { db: counted, statements } = countingStatements(testDb.db);
    const guard = new SqlReplayGuard(counted, Number.MAX_SAFE_INTEGER);
    const now = Date.now();
    const distinct = Array.from({ length: 30 }, (_, i) => guard.firstUse(7, i.toString(16).padStart(64, '0'), now + 30_000, now));
    const identical = Array.from({ length: 10 }, (_, i) => guard.firstUse(7, (i % 2 ? 'AB' : 'ab').repeat(32), now + 30_000, now));
    expect(await Promise.all(distinct)).toEqual(Array.from({ length: 30 }, () => true));
    expect((await Promise.all(identical)).filter(Boolean)).toHaveLength(1);
    expect(statements()).toBe(1);
    // and later: still replays
    expect(await guard.firstUse(7, '0'.repeat(64), now + 30_000, now)).toBe(false);
    expect(await guard.firstUse(7, 'ab'.repeat(32), now + 30_000, now)).toBe(false);
  });
});

(process.env.REDIS_URL ? describe : describe.skip)('RedisReplayGuard', () => {
  let redis: Redis;
  const prefix = `test:replay:${process.pid}:${Date.now()}:`;
  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL!);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('lets exactly one of concurrent identical requests through, and forgets it after expiry', async () => {
    const guard = new RedisReplayGuard(redis, prefix);
    const now = Date.now();
    const results = await Promise.all(Array.from({ length: 20 }, () => guard.firstUse(7, 'AB'.repeat(32), now + 150, now)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await guard.firstUse(7, 'ab'.repeat(32), now + 150, now)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await guard.firstUse(7, 'ab'.repeat(32), Date.now() + 150, Date.now())).toBe(true);
  });
});
