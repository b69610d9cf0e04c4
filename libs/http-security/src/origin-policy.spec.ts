import { normaliseOrigin, OriginPolicy, parseAllowedOrigins } from './origin-policy';

describe('origins', () => {
  it('normalises scheme, host and default port; refuses anything that is not a bare http(s) origin', () => {
    expect(normaliseOrigin('HTTPS://App.Example.com:443')).toBe('https://app.example.com');
    expect(normaliseOrigin('http://localhost:3000')).toBe('http://localhost:3000');
    for (const bad of ['null', '', 'file://x', 'https://a.com/', 'https://a.com/path', 'https://u:p@a.com', 'https://a.com?x=1', 'ws://a.com', `https://${'a'.repeat(600)}.com`]) {
      expect(normaliseOrigin(bad)).toBeUndefined();
    }
  });

  it('parses ALLOWED_ORIGINS, reporting bad entries', () => {
    const problems: string[] = [];
    expect(parseAllowedOrigins(' * ', problems)).toBe('*');
    expect(parseAllowedOrigins(undefined, problems)).toBeUndefined();
    expect(parseAllowedOrigins('https://a.com/, http://B.com:80,https://a.com', problems)).toEqual(['https://a.com', 'http://b.com']);
    expect(problems).toEqual([]);
    parseAllowedOrigins('https://a.com,a.com/path', problems);
    expect(problems).toEqual([expect.stringContaining('"a.com/path" is not an origin')]);
  });

  it('checks a request: no Origin passes; listed, same-origin and * as configured', () => {
    const listed = new OriginPolicy(['https://app.example.com']);
    expect(listed.check({})).toBe('no-origin');
    expect(listed.check({ origin: 'https://APP.example.com' })).toBe('allowed');
    expect(listed.check({ origin: 'https://app.example.com.evil.net' })).toBe('refused');
    expect(listed.check({ origin: 'null' })).toBe('refused');
    const sameOrigin = new OriginPolicy(undefined);
    expect(sameOrigin.check({ origin: 'http://gw.local:8000', host: 'gw.local:8000' })).toBe('allowed');
    expect(sameOrigin.check({ origin: 'https://gw.local', host: 'gw.local:443' })).toBe('allowed');
    expect(sameOrigin.check({ origin: 'https://gw.local', host: 'gw.local:8443' })).toBe('refused');
    expect(sameOrigin.check({ origin: 'https://evil.net', host: 'gw.local' })).toBe('refused');
    expect(sameOrigin.check({ origin: 'https://gw.local' })).toBe('refused');
    expect(sameOrigin.describe()).toContain('same-origin only');
    expect(new OriginPolicy('*').check({ origin: 'https://anything.example' })).toBe('allowed');
  });
});
