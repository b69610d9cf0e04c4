import { ConfigValidationError, loadConfig } from './app-config';
import { MarketDataMode } from './env.schema';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.http).toEqual({ host: '0.0.0.0', port: 8000 });
    expect(config.marketData.mode).toBe(MarketDataMode.Live);
    expect(config.storage.databaseUrl).toBeUndefined();
    expect(config.auth.required).toBe(false);
    expect(config.upstreams.coingecko).toMatchObject({ plan: 'public', callsPerMinute: 30, baseUrl: 'https://api.coingecko.com/api/v3' });
    expect(config.kafka.brokers).toEqual([]);
  });

  it('turns strings into typed values', () => {
    const config = loadConfig({ PORT: '9001', MARKET_DATA: 'sandbox', AUTH_REQUIRED: 'true', AUTH_JWT_SECRET: 'x'.repeat(32), KAFKA_BROKERS: 'a:9092, b:9092' });
    expect(config.http.port).toBe(9001);
    expect(config.marketData.mode).toBe(MarketDataMode.Sandbox);
    expect(config.auth.required).toBe(true);
    expect(config.kafka.brokers).toEqual(['a:9092', 'b:9092']);
  });

  it('routes a pro key to the pro root', () => {
    const config = loadConfig({ COINGECKO_PLAN: 'pro', COINGECKO_API_KEY: 'k' });
    expect(config.upstreams.coingecko.baseUrl).toBe('https://pro-api.coingecko.com/api/v3');
  });

  it('names every bad value in one error and never prints secrets', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', MARKET_DATA: 'replay', AUTH_JWT_SECRET: 'short-secret' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const message = (error as Error).message;
    expect(message).toContain('PORT');
    expect(message).toContain('MARKET_DATA');
    expect(message).toContain('AUTH_JWT_SECRET="<redacted>"');
    expect(message).not.toContain('short-secret');
  });

  it('requires a key source when auth is on in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/AUTH_JWT_SECRET nor AUTH_JWKS_URL/);
  });
});
