import { extractToken, readCookie } from './extract-token';

const request = (headers: Record<string, string>) => ({ headers });

describe('extractToken', () => {
  it('reads the access_token cookie as the seed sends it', () => {
    expect(extractToken(request({ cookie: 'access_token=abc.def.ghi; refresh_token=zzz' }))).toBe('abc.def.ghi');
  });

  it('tolerates spaces, quotes and %-encoding in the cookie', () => {
    expect(extractToken(request({ cookie: '  refresh_token=zzz ;  access_token = "abc.def"  ' }))).toBe('abc.def');
    expect(extractToken(request({ cookie: 'access_token=a%2Eb' }))).toBe('a.b');
    expect(extractToken(request({ cookie: 'access_token=100%' }))).toBe('100%');
  });

  it('does not confuse cookies whose names merely contain access_token', () => {
    expect(extractToken(request({ cookie: 'my_access_token=x; access_token_old=y' }))).toBeUndefined();
  });

  it('falls back to Authorization: Bearer, and prefers the cookie when both are sent', () => {
    expect(extractToken(request({ authorization: 'Bearer tok.en' }))).toBe('tok.en');
    expect(extractToken(request({ authorization: 'bearer   tok.en  ' }))).toBe('tok.en');
    expect(extractToken(request({ cookie: 'access_token=', authorization: 'Bearer from-header' }))).toBe('from-header');
    expect(extractToken(request({ cookie: 'access_token=from-cookie', authorization: 'Bearer from-header' }))).toBe('from-cookie');
  });

  it('ignores other schemes, an empty bearer and the access_token query parameter', () => {
    expect(extractToken(request({ authorization: 'Basic dXNlcjpwYXNz' }))).toBeUndefined();
    expect(extractToken(request({ authorization: 'Bearer' }))).toBeUndefined();
    expect(extractToken({ headers: {}, url: '/tzone_apis/services/stablecoins/btc_dom?access_token=abc' } as { headers: {} })).toBeUndefined();
  });
});

describe('readCookie', () => {
  it('returns the first non-empty value and undefined without a header', () => {
    expect(readCookie('a=1; a=2', 'a')).toBe('1');
    expect(readCookie('a=; a=2', 'a')).toBe('2');
    expect(readCookie(undefined, 'a')).toBeUndefined();
    expect(readCookie('novalue; b', 'novalue')).toBeUndefined();
  });
});
