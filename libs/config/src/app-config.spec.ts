import { ConfigValidationError, loadConfig } from './app-config';
import { MarketDataMode } from './env.schema';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.http).toEqual({ host: '0.0.0.0', port: 8000, allowedOrigins: undefined, trustedProxies: [], rateLimits: { perIpPerMinute: 12_000, perKeyPerMinute: 6_000 } });
    expect(config.marketData.mode).toBe(MarketDataMode.Live);
    expect(config.storage.databaseUrl).toBeUndefined();
    expect(config.auth.required).toBe(false);
    expect(config.upstreams.coingecko).toMatchObject({ plan: 'public', callsPerMinute: 30, baseUrl: 'https://api.coingecko.com/api/v3' });
    expect(config.kafka.brokers).toEqual([]);
  });

  it('reads ALLOWED_ORIGINS (a list, *, or unset = same-origin) and the HTTP rate limits', () => {
    expect(loadConfig({ ALLOWED_ORIGINS: 'https://App.example.com, http://localhost:3000/' }).http.allowedOrigins).toEqual(['https://app.example.com', 'http://localhost:3000']);
    expect(loadConfig({ ALLOWED_ORIGINS: '*' }).http.allowedOrigins).toBe('*');
    expect(() => loadConfig({ ALLOWED_ORIGINS: 'app.example.com/path' })).toThrow(/ALLOWED_ORIGINS: "app.example.com\/path" is not an origin/);
    expect(loadConfig({ HTTP_RATE_LIMIT_PER_IP_PER_MINUTE: '0', HTTP_RATE_LIMIT_PER_KEY_PER_MINUTE: '30' }).http.rateLimits).toEqual({ perIpPerMinute: 0, perKeyPerMinute: 30 });
    expect(loadConfig({ TRUSTED_PROXIES: 'uniquelocal, 127.0.0.1' }).http.trustedProxies).toEqual(['uniquelocal', '127.0.0.1']);
    expect(() => loadConfig({ TRUSTED_PROXIES: '10.0.0.0/99' })).toThrow(/TRUSTED_PROXIES/);
    expect(() => loadConfig({ HTTP_RATE_LIMIT_PER_IP_PER_MINUTE: '-1' })).toThrow(/HTTP_RATE_LIMIT_PER_IP_PER_MINUTE/);
  });

  it('treats an empty value as unset', () => {
    const config = loadConfig({ DATABASE_URL: '', REDIS_URL: '', PORT: '' });
    expect(config.storage.databaseUrl).toBeUndefined();
    expect(config.redis.url).toBeUndefined();
    expect(config.http.port).toBe(8000);
  });

  it('turns strings into typed values', () => {
    const config = loadConfig({ PORT: '9001', MARKET_DATA: 'sandbox', AUTH_REQUIRED: 'true', AUTH_JWT_SECRET: 'x'.repeat(32), KAFKA_BROKERS: 'a:9092, b:9092' });
    expect(config.http.port).toBe(9001);
    expect(config.marketData.mode).toBe(MarketDataMode.Sandbox);
    expect(config.auth.required).toBe(true);
    expect(config.kafka.brokers).toEqual(['a:9092', 'b:9092']);
  });

  it('takes the CoinDesk budget from COINDESK_CALLS_PER_MINUTE (default 60)', () => {
    expect(loadConfig({}).upstreams.coindesk.callsPerMinute).toBe(60);
    expect(loadConfig({ COINDESK_CALLS_PER_MINUTE: '6000' }).upstreams.coindesk.callsPerMinute).toBe(6000);
    expect(() => loadConfig({ COINDESK_CALLS_PER_MINUTE: '0' })).toThrow('COINDESK_CALLS_PER_MINUTE');
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

  it('reads the capital-flow settings (token list upper-cased and de-duplicated, Binance roots, points period)', () => {
    expect(loadConfig({}).capitalFlow).toEqual({ tokens: ['BTC', 'ETH', 'BNB', 'SOL', 'XRP', 'DOGE', 'ADA', 'TRX', 'AVAX', 'LINK'], ingest: true });
    expect(loadConfig({}).upstreams.binance).toEqual({ spotBaseUrl: 'https://api.binance.com', futuresBaseUrl: 'https://fapi.binance.com' });
    const config = loadConfig({ CAPITAL_FLOW_TOKENS: 'btc, eth,BTC', CAPITAL_FLOW_INGEST: 'false', API_POINTS_PERIOD: 'day' });
    expect(config.capitalFlow).toEqual({ tokens: ['BTC', 'ETH'], ingest: false });
    expect(config.auth.pointsPeriod).toBe('day');
    expect(loadConfig({ NODE_ENV: 'test' }).capitalFlow.ingest).toBe(false);
    expect(() => loadConfig({ CAPITAL_FLOW_TOKENS: 'BTC;ETH' })).toThrow(/CAPITAL_FLOW_TOKENS/);
    expect(() => loadConfig({ API_POINTS_PERIOD: 'year' })).toThrow(/API_POINTS_PERIOD/);
  });

  it('reads the spreads settings with documented defaults and rejects a close threshold above the open one', () => {
    expect(loadConfig({}).spreads).toMatchObject({ source: 'ccxt', openPct: 1, closePct: 0.5, cooldownMs: 120_000, maxQuoteAgeMs: 15_000, sanityCapPct: 50 });
    expect(loadConfig({ NODE_ENV: 'test' }).spreads.source).toBe('off');
    expect(loadConfig({ MARKET_DATA: 'sandbox' }).spreads.source).toBe('simulated');
    expect(loadConfig({ SPREADS_VENUES: 'binance, okx', SPREADS_OPEN_PCT: '2.5' }).spreads).toMatchObject({ venues: ['binance', 'okx'], openPct: 2.5 });
    expect(() => loadConfig({ SPREADS_OPEN_PCT: '1', SPREADS_CLOSE_PCT: '1.5' })).toThrow(/SPREADS_CLOSE_PCT must be lower/);
    expect(() => loadConfig({ SPREADS_VENUES: 'binance,ftx' })).toThrow(/unknown venue\(s\) ftx/);
    expect(loadConfig({}).spreads).toMatchObject({ watchVenues: ['binance', 'bybit', 'okx', 'gate', 'bitget', 'kucoin'], watchStaleMs: 10_000 });
    expect(loadConfig({ SPREADS_WATCH_VENUES: 'none' }).spreads.watchVenues).toEqual([]);
    expect(loadConfig({ SPREADS_WATCH_VENUES: 'bybit, okx', SPREADS_WATCH_STALE_MS: '5000' }).spreads).toMatchObject({ watchVenues: ['bybit', 'okx'], watchStaleMs: 5_000 });
    expect(() => loadConfig({ SPREADS_WATCH_VENUES: 'ftx' })).toThrow(/SPREADS_WATCH_VENUES: unknown venue\(s\) ftx/);
  });

  it('requires a key source when auth is on in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/AUTH_JWT_SECRET nor AUTH_JWKS_URL/);
  });
});
