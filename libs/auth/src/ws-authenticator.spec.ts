import { ConfigModule, loadConfig } from '@app/config';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SignJWT } from 'jose';
import { AUTH_DISABLED_WARNING, AuthModule } from './auth.module';
import { JwtVerifier } from './jwt-verifier';
import { WsAuthenticator } from './ws-authenticator';

const SECRET = 'test-secret-with-at-least-32-chars';
const sign = (expiresAt: string | number) =>
  new SignJWT({ scope: 'streams' }).setProtectedHeader({ alg: 'HS256' }).setSubject('user-7').setExpirationTime(expiresAt).sign(new TextEncoder().encode(SECRET));

describe('WsAuthenticator', () => {
  const required = new WsAuthenticator({ required: true }, new JwtVerifier({ jwtSecret: SECRET }));

  it('lets in a valid token from the cookie or a bearer header, with its subject', async () => {
    const exp = Math.floor(Date.now() / 1000) + 300;
    const token = await sign(exp);
    // expiresAt: the hub closes the socket with 4401 then
    const expected = { ok: true, subject: 'user-7', claims: expect.objectContaining({ sub: 'user-7', scope: 'streams' }), expiresAt: exp * 1000 };
    await expect(required.authenticate({ headers: { cookie: `access_token=${token}; refresh_token=r` } })).resolves.toEqual(expected);
    await expect(required.authenticate({ headers: { authorization: `Bearer ${token}` } })).resolves.toEqual(expected);
  });

  it('refuses a missing or expired token with the reason and a client-safe message', async () => {
    await expect(required.authenticate({ headers: {} })).resolves.toEqual({
      ok: false,
      code: 'unauthorized',
      reason: 'missing',
      message: 'no access token: send the access_token cookie or an Authorization: Bearer header',
    });
    const expired = await sign(Math.floor(Date.now() / 1000) - 60);
    await expect(required.authenticate({ headers: { cookie: `access_token=${expired}` } })).resolves.toEqual({
      ok: false,
      code: 'unauthorized',
      reason: 'expired',
      message: 'access token has expired',
    });
  });

  it('lets everyone in when auth is not required, without reading tokens', async () => {
    const open = new WsAuthenticator({ required: false }, new JwtVerifier({}));
    expect(open.enabled).toBe(false);
    expect(required.enabled).toBe(true);
    await expect(open.authenticate({ headers: {} })).resolves.toEqual({ ok: true, claims: {} });
    await expect(open.authenticate({ headers: { cookie: 'access_token=garbage' } })).resolves.toEqual({ ok: true, claims: {} });
  });
});

describe('AuthModule', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  async function boot(env: NodeJS.ProcessEnv) {
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(loadConfig(env)), AuthModule] }).compile();
    await moduleRef.init();
    return moduleRef;
  }

  it('warns once at start-up when auth is off', async () => {
    const moduleRef = await boot({ NODE_ENV: 'development' });
    expect(warn.mock.calls).toEqual([[AUTH_DISABLED_WARNING]]);
    expect(moduleRef.get(WsAuthenticator).enabled).toBe(false);
    await moduleRef.close();
  });

  it('stays quiet and verifies with the configured secret when auth is required', async () => {
    const moduleRef = await boot({ NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET });
    expect(warn).not.toHaveBeenCalled();
    const result = await moduleRef.get(WsAuthenticator).authenticate({ headers: { authorization: `Bearer ${await sign('5m')}` } });
    expect(result).toMatchObject({ ok: true, subject: 'user-7' });
    await moduleRef.close();
  });
});
