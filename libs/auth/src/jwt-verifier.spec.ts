import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, JWK, KeyLike, SignJWT } from 'jose';
import { AuthError, AuthFailureReason } from './auth-error';
import { JwtVerifier } from './jwt-verifier';

const SECRET = 'test-secret-with-at-least-32-chars';
const encode = (text: string) => new TextEncoder().encode(text);
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const inSeconds = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;

function token(alg: string, key: KeyLike | Uint8Array, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) {
  return new SignJWT({ role: 'trader', exp: inSeconds(300), ...claims })
    .setProtectedHeader({ alg, ...header })
    .setSubject('user-1')
    .setIssuedAt()
    .sign(key);
}

/** The reason an `AuthError` gives, so each case asserts exactly why a token was refused. */
async function refusal(verifying: Promise<unknown>): Promise<AuthFailureReason> {
  const error = await verifying.then(
    () => new Error('token was accepted'),
    (caught: unknown) => caught,
  );
  if (!(error instanceof AuthError)) throw error;
  return error.reason;
}

describe('JwtVerifier with AUTH_JWT_SECRET (HS256)', () => {
  const verifier = new JwtVerifier({ jwtSecret: SECRET });

  it('returns the claims of a valid token', async () => {
    const claims = await verifier.verify(await token('HS256', encode(SECRET)));
    expect(claims).toMatchObject({ sub: 'user-1', role: 'trader' });
  });

  it('refuses an expired token as expired, beyond the 5 s clock tolerance', async () => {
    const expired = await token('HS256', encode(SECRET), { exp: inSeconds(-60) });
    expect(await refusal(verifier.verify(expired))).toBe('expired');
    const justExpired = await token('HS256', encode(SECRET), { exp: inSeconds(-2) });
    await expect(verifier.verify(justExpired)).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('refuses a token signed with another secret', async () => {
    expect(await refusal(verifier.verify(await token('HS256', encode('another-secret-of-32-characters!!'))))).toBe('invalid');
  });

  it('refuses malformed tokens and reports a missing one', async () => {
    expect(await refusal(verifier.verify('not-a-jwt'))).toBe('invalid');
    expect(await refusal(verifier.verify('a.b.c'))).toBe('invalid');
    expect(await refusal(verifier.verify(undefined))).toBe('missing');
    expect(await refusal(verifier.verify(''))).toBe('missing');
  });

  it('refuses alg: none', async () => {
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'admin', exp: inSeconds(300) })}.`;
    expect(await refusal(verifier.verify(unsigned))).toBe('invalid');
  });

  it('refuses an RS256 token when only a secret is configured', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    expect(await refusal(verifier.verify(await token('RS256', privateKey)))).toBe('invalid');
  });
});

describe('JwtVerifier expiry rules', () => {
  const key = encode(SECRET);
  /** signed without the default `exp`, so each case sets exactly the claims it tests */
  const bare = (claims: Record<string, unknown>) => new SignJWT({ role: 'trader', ...claims }).setProtectedHeader({ alg: 'HS256' }).setSubject('user-1').sign(key);

  it('refuses a token without exp (it would never expire), and returns exp of one with it', async () => {
    const verifier = new JwtVerifier({ jwtSecret: SECRET });
    expect(await refusal(verifier.verify(await bare({ iat: inSeconds(0) })))).toBe('no_expiry');
    await expect(verifier.verify(await bare({ exp: inSeconds(60) }))).resolves.toMatchObject({ exp: inSeconds(60) });
  });

  it('with AUTH_MAX_TOKEN_AGE_S, refuses a token whose lifetime (exp - iat, or exp - now without iat) exceeds it', async () => {
    const verifier = new JwtVerifier({ jwtSecret: SECRET, maxTokenAgeSeconds: 3_600 });
    await expect(verifier.verify(await bare({ iat: inSeconds(0), exp: inSeconds(3_600) }))).resolves.toMatchObject({ sub: 'user-1' });
    expect(await refusal(verifier.verify(await bare({ iat: inSeconds(0), exp: inSeconds(3_601) })))).toBe('too_long_lived');
    // issued two hours ago and valid for one more: a three-hour lifetime
    expect(await refusal(verifier.verify(await bare({ iat: inSeconds(-7_200), exp: inSeconds(3_600) })))).toBe('too_long_lived');
    await expect(verifier.verify(await bare({ exp: inSeconds(3_000) }))).resolves.toMatchObject({ sub: 'user-1' });
    expect(await refusal(verifier.verify(await bare({ exp: inSeconds(86_400) })))).toBe('too_long_lived');
  });
});

describe('JwtVerifier with AUTH_JWKS_URL', () => {
  let server: Server;
  let baseUrl: string;
  let jwksRequests = 0;
  const signingKeys: Record<string, KeyLike> = {};
  const publicJwks: JWK[] = [];

  beforeAll(async () => {
    for (const alg of ['ES256', 'RS256']) {
      const { privateKey, publicKey } = await generateKeyPair(alg);
      signingKeys[alg] = privateKey;
      publicJwks.push({ ...(await exportJWK(publicKey)), kid: `${alg}-key`, alg, use: 'sig' });
    }
    server = createServer((req, res) => {
      if (req.url !== '/.well-known/jwks.json') {
        res.writeHead(500).end('boom');
        return;
      }
      jwksRequests += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: publicJwks }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const jwksVerifier = () => new JwtVerifier({ jwksUrl: `${baseUrl}/.well-known/jwks.json` });

  it.each(['ES256', 'RS256'])('verifies a %s token against the published key, fetching the set once', async (alg) => {
    const verifier = jwksVerifier();
    const before = jwksRequests;
    for (let i = 0; i < 3; i++) {
      await expect(verifier.verify(await token(alg, signingKeys[alg], {}, { kid: `${alg}-key` }))).resolves.toMatchObject({ sub: 'user-1' });
    }
    expect(jwksRequests - before).toBe(1);
  });

  it('refuses a token from a key that is not in the set, and one claiming a known kid', async () => {
    const { privateKey: stranger } = await generateKeyPair('ES256');
    const verifier = jwksVerifier();
    expect(await refusal(verifier.verify(await token('ES256', stranger, {}, { kid: 'unknown-key' })))).toBe('invalid');
    expect(await refusal(verifier.verify(await token('ES256', stranger, {}, { kid: 'ES256-key' })))).toBe('invalid');
  });

  it('refuses HS256 when only a JWKS is configured (no HMAC with public material)', async () => {
    expect(await refusal(jwksVerifier().verify(await token('HS256', encode(SECRET), {}, { kid: 'ES256-key' })))).toBe('invalid');
  });

  it('takes the key by alg when both a secret and a JWKS are configured', async () => {
    const verifier = new JwtVerifier({ jwtSecret: SECRET, jwksUrl: `${baseUrl}/.well-known/jwks.json` });
    await expect(verifier.verify(await token('HS256', encode(SECRET)))).resolves.toMatchObject({ sub: 'user-1' });
    await expect(verifier.verify(await token('ES256', signingKeys.ES256, {}, { kid: 'ES256-key' }))).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('reports unavailable, not invalid, when the key set cannot be fetched', async () => {
    const valid = await token('ES256', signingKeys.ES256, {}, { kid: 'ES256-key' });
    expect(await refusal(new JwtVerifier({ jwksUrl: `${baseUrl}/broken` }).verify(valid))).toBe('unavailable');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks.json`;
    await new Promise((resolve) => closed.close(resolve));
    expect(await refusal(new JwtVerifier({ jwksUrl: deadUrl }).verify(valid))).toBe('unavailable');
  });
});
