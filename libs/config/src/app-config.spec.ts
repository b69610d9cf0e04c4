import { loadConfig } from './app-config';
import { ConfigValidationError, MarketDataMode } from './config-slice';

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

  it('reads the API points period (default month)', () => {
    expect(loadConfig({}).auth.pointsPeriod).toBe('month');
    expect(loadConfig({ API_POINTS_PERIOD: 'day' }).auth.pointsPeriod).toBe('day');
    expect(() => loadConfig({ API_POINTS_PERIOD: 'year' })).toThrow(/API_POINTS_PERIOD/);
    expect(loadConfig({}).upstreams.binance).toEqual({ spotBaseUrl: 'https://api.binance.com', futuresBaseUrl: 'https://fapi.binance.com' });
  });

  it('gives the NODE_ENV-dependent defaults (auth, drain, log level) and takes explicit values over them', () => {
    expect(loadConfig({}).shutdown.drainMs).toBe(0);
    expect(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'x'.repeat(16) })).toMatchObject({ auth: { required: true }, shutdown: { drainMs: 5_000 }, logLevel: 'info' });
    expect(loadConfig({ NODE_ENV: 'production', AUTH_REQUIRED: 'off', SHUTDOWN_DRAIN_MS: '100' })).toMatchObject({ auth: { required: false }, shutdown: { drainMs: 100 } });
    expect(loadConfig({ NODE_ENV: 'test' }).logLevel).toBe('warn');
    expect(() => loadConfig({ SHUTDOWN_DRAIN_MS: '9000' })).toThrow(/SHUTDOWN_DRAIN_MS="9000": must not be greater than 8000/);
  });

  it('names the replica from REPLICA_ID, else from the host, the pid and a random suffix; the cluster keys sit under REDIS_KEY_PREFIX', () => {
    expect(loadConfig({ REPLICA_ID: 'gw-1', REDIS_KEY_PREFIX: 't1:' }).cluster).toEqual({ replicaId: 'gw-1', leaderLeaseMs: 5_000, keyPrefix: 't1:cluster:' });
    const generated = loadConfig({}).cluster.replicaId;
    expect(generated).toMatch(new RegExp(`-${process.pid}-[0-9a-f]{6}$`));
    expect(loadConfig({}).cluster.replicaId).not.toBe(generated);
    expect(() => loadConfig({ REPLICA_ID: 'has space' })).toThrow(/REPLICA_ID/);
  });

  it('names a bad REDIS_KEY_PREFIX once although two slices read it', () => {
    let error: ConfigValidationError | undefined;
    try {
      loadConfig({ REDIS_KEY_PREFIX: 'bad prefix' });
    } catch (caught) {
      error = caught as ConfigValidationError;
    }
    // a name with KEY in it is redacted whatever it holds (as every name with KEY, SECRET, TOKEN or PASSWORD)
    expect(error?.problems).toEqual([`REDIS_KEY_PREFIX="<redacted>": must be up to 64 characters of A-Z a-z 0-9 : _ . -`]);
  });

  it('requires a key source when auth is on in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/AUTH_JWT_SECRET nor AUTH_JWKS_URL/);
  });
});
