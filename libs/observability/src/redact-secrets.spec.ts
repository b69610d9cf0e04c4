import { isSecretName, redactQuery, redactSecrets } from './redact-secrets';

describe('redactSecrets', () => {
  it('redacts key-like query parameters in any case and spelling, keeping the rest', () => {
    expect(redactSecrets('/v1/x?api_key=abc&limit=5')).toBe('/v1/x?api_key=<redacted>&limit=5');
    expect(redactSecrets('/v1/x?limit=5&API-KEY=abc&Token=t&access_token=a;sign=s#x')).toBe('/v1/x?limit=5&API-KEY=<redacted>&Token=<redacted>&access_token=<redacted>;sign=<redacted>#x');
    expect(redactSecrets('/x?api%5Fkey=abc&x-api-key=def&client_secret=g&signature=h&password=p&key=k')).toBe(
      '/x?api%5Fkey=<redacted>&x-api-key=<redacted>&client_secret=<redacted>&signature=<redacted>&password=<redacted>&key=<redacted>',
    );
    expect(redactSecrets('Cannot GET /nope?token=zzz')).toBe('Cannot GET /nope?token=<redacted>');
    expect(redactSecrets('"url":"/a?jwt=eyJ.x.y"')).toBe('"url":"/a?jwt=<redacted>"');
  });

  it('leaves ordinary parameters alone (dedupe_key, sort_by, monkey)', () => {
    const url = '/x?dedupe_key=id&sort_by=price&monkey=1&keys=2';
    expect(redactSecrets(url)).toBe(url);
  });

  it('is linear on hostile input', () => {
    const hostile = `/x?${'&'.repeat(200_000)}${'a'.repeat(200_000)}=${'b'.repeat(200_000)}`;
    const started = process.hrtime.bigint();
    redactSecrets(hostile);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(500);
  });

  it('redacts a parsed query object without touching the original', () => {
    const query = { API_KEY: 'a', token: ['b', 'c'], limit: '5' };
    expect(redactQuery(query)).toEqual({ API_KEY: '<redacted>', token: '<redacted>', limit: '5' });
    expect(query.API_KEY).toBe('a');
    expect(isSecretName('X-Sign')).toBe(true);
    expect(isSecretName('x'.repeat(100))).toBe(false);
  });
});
