import { REDACTED, SecretRedactor } from './secret-redactor';

describe('SecretRedactor', () => {
  const redactor = new SecretRedactor(
    { 'x-cg-pro-api-key': 'CG-pro-secret-123', authorization: 'Apikey cd-secret-456', accept: 'application/json' },
    ['llama-path-key-789'],
  );

  it('recognises secret header and query names', () => {
    for (const name of ['x-cg-demo-api-key', 'X-CG-PRO-API-KEY', 'authorization', 'x-api-token', 'cookie']) expect(SecretRedactor.isSecretHeader(name)).toBe(true);
    expect(SecretRedactor.isSecretHeader('accept')).toBe(false);
    for (const name of ['api_key', 'apikey', 'x_cg_demo_api_key', 'x_cg_pro_api_key', 'token']) expect(SecretRedactor.isSecretQueryParam(name)).toBe(true);
    expect(SecretRedactor.isSecretQueryParam('vs_currency')).toBe(false);
  });

  it('removes every known secret from free text, including the bare credential of an Authorization header', () => {
    const text = redactor.text('key CG-pro-secret-123 rejected; auth "Apikey cd-secret-456"; bare cd-secret-456; path /llama-path-key-789/x');
    expect(text).not.toMatch(/secret-123|secret-456|key-789/);
    expect(text).toContain(REDACTED);
    expect(redactor.text('application/json')).toBe('application/json');
  });

  it('hides secret query values in URLs', () => {
    const url = new URL('https://example.test/api/v3/global?x_cg_demo_api_key=abcdef&vs_currency=usd&api_key=zzzzzz');
    expect(redactor.pathAndQuery(url)).toBe('/api/v3/global?x_cg_demo_api_key=<redacted>&vs_currency=usd&api_key=<redacted>');
  });

  it('hides secret headers when headers are logged', () => {
    expect(redactor.headers({ 'x-cg-pro-api-key': 'CG-pro-secret-123', accept: 'application/json' })).toEqual({
      'x-cg-pro-api-key': REDACTED,
      accept: 'application/json',
    });
  });
});
