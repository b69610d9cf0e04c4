import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { parseAllowedOrigins } from '@app/http-security/origin-policy';
import { compileTrustedProxies } from '@app/http-security/client-address';
import { composeConfig, defineConfig, MarketDataMode, type ComposedConfig } from './config-slice';
import { boolean, integer, list, matching, oneOf, port, text, url, withProblems } from './env-vars';

// The cross-cutting slices. Each feature's own slice lives in its folder; the app composes them all (README "Configuration").

export type CoinGeckoPlan = 'public' | 'demo' | 'pro';
/** how often an API consumer's points quota resets (UTC calendar periods) */
export type PointsPeriodName = 'hour' | 'day' | 'week' | 'month';

export const envConfig = defineConfig(
  'env',
  () => ({ NODE_ENV: oneOf(['development', 'production', 'test']).default('development').describe('`production` turns `AUTH_REQUIRED` on by default') }),
  (env) => env.NODE_ENV,
);

export const logLevelConfig = defineConfig(
  'logLevel',
  ({ nodeEnv }) => ({ LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default(nodeEnv === 'test' ? 'warn' : 'info').describe('pino level') }),
  (env) => env.LOG_LEVEL,
);

export const httpConfig = defineConfig(
  'http',
  () => ({
    PORT: port().default(8000).describe('listen port'),
    HOST: text().default('0.0.0.0').describe('listen address'),
    ALLOWED_ORIGINS: text()
      .transform((value, ctx) => withProblems(ctx, value, (problems) => parseAllowedOrigins(value, problems)))
      .optional()
      .describe('browser origins allowed on REST and WebSocket upgrades (`*` for any); unset: same origin only'),
    TRUSTED_PROXIES: text({ max: 2_000 })
      .transform((value, ctx) => withProblems(ctx, value, (problems) => trustedProxies(value, problems)))
      .default([])
      .describe('load balancers whose X-Forwarded-For is believed: IPs, CIDRs or loopback/linklocal/uniquelocal'),
    HTTP_RATE_LIMIT_PER_IP_PER_MINUTE: integer({ min: 0 }).default(12_000).describe('REST requests per minute per client IP (0 = off)'),
    HTTP_RATE_LIMIT_PER_KEY_PER_MINUTE: integer({ min: 0 }).default(6_000).describe('REST requests per minute per API key (0 = off)'),
  }),
  (env) => ({
    host: env.HOST,
    port: env.PORT,
    /** browser origins allowed on REST and WebSocket: `*`, a list, or undefined = same-origin only */
    allowedOrigins: env.ALLOWED_ORIGINS,
    /** REST requests per minute per client IP and per API key (0 = no limit) */
    rateLimits: { perIpPerMinute: env.HTTP_RATE_LIMIT_PER_IP_PER_MINUTE, perKeyPerMinute: env.HTTP_RATE_LIMIT_PER_KEY_PER_MINUTE },
    /** proxies (load balancers) whose `X-Forwarded-For` names the client: per-IP limits then count clients, not the proxy */
    trustedProxies: env.TRUSTED_PROXIES,
  }),
);

/** `TRUSTED_PROXIES`: comma-separated IPs, CIDRs or proxy-addr's names; compiled once here to refuse a bad entry. */
function trustedProxies(value: string, problems: string[]): string[] {
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  try {
    compileTrustedProxies(entries);
  } catch (error) {
    problems.push(`TRUSTED_PROXIES: ${(error as Error).message}`);
  }
  return entries;
}

export const marketDataConfig = defineConfig(
  'marketData',
  () => ({
    MARKET_DATA: oneOf([MarketDataMode.Live, MarketDataMode.Sandbox]).default(MarketDataMode.Live).describe('`live`: real upstream APIs; `sandbox`: the built-in simulator'),
    SANDBOX_SEED: integer().default(42).describe("seed of the simulator's movement"),
    SANDBOX_UPSTREAM_URL: url().optional().describe('sandbox only: an upstream simulator shared by several replicas'),
  }),
  (env) => ({
    mode: env.MARKET_DATA as MarketDataMode,
    sandboxSeed: env.SANDBOX_SEED,
    /** in sandbox mode, an external simulator shared by several replicas instead of one in-process */
    upstreamUrl: env.SANDBOX_UPSTREAM_URL,
  }),
);

export const storageConfig = defineConfig(
  'storage',
  () => ({
    DATABASE_URL: url('postgres').optional().describe('Postgres; unset: embedded PGlite in DATA_DIR'),
    DATA_DIR: text().default('./data').describe('where PGlite keeps its files (one process at a time)'),
    MIGRATIONS_DIR: text().optional().describe("the SQL migrations' folder; unset: found above the code"),
  }),
  (env) => ({
    databaseUrl: env.DATABASE_URL,
    dataDir: resolve(env.DATA_DIR),
    /** unset: `findMigrationsDir` looks above the code (the sources' folder, or a build's copy) */
    migrationsDir: env.MIGRATIONS_DIR === undefined ? undefined : resolve(env.MIGRATIONS_DIR),
  }),
);

const KEY_PREFIX = matching(/^[A-Za-z0-9:_.-]{0,64}$/, 'must be up to 64 characters of A-Z a-z 0-9 : _ . -');

export const redisConfig = defineConfig(
  'redis',
  () => ({
    REDIS_URL: url('redis').optional().describe('shared cache and cluster bus; unset: in-process'),
    REDIS_KEY_PREFIX: KEY_PREFIX.default('mg:').describe("prefix of every key and channel of this deployment in Redis"),
    FEED_LEASE_TTL_MS: integer({ min: 1_000, max: 600_000 }).default(15_000).describe("with Redis: a feed lease's life without renewal"),
  }),
  (env) => ({
    url: env.REDIS_URL,
    /** goes in front of every key and channel the cluster uses (several deployments or tests on one Redis) */
    keyPrefix: env.REDIS_KEY_PREFIX,
    /** how long a dead replica keeps the upstream feeds it refreshed for the cluster */
    feedLeaseTtlMs: env.FEED_LEASE_TTL_MS,
  }),
);

export const kafkaConfig = defineConfig(
  'kafka',
  () => ({
    KAFKA_BROKERS: list().default([]).describe('Kafka brokers, comma-separated; unset: Kafka off'),
    DEX_METRICS_TOPIC: text().default('dex-metrics').describe('the DEX metrics topic'),
  }),
  (env) => ({ brokers: env.KAFKA_BROKERS, dexMetricsTopic: env.DEX_METRICS_TOPIC }),
);

const COINGECKO_ROOT: Record<CoinGeckoPlan, string> = {
  public: 'https://api.coingecko.com/api/v3',
  demo: 'https://api.coingecko.com/api/v3',
  pro: 'https://pro-api.coingecko.com/api/v3',
};
// Keyless CoinGecko is IP-limited and Demo has documented 30/min in older docs: design for the low number.
const COINGECKO_DEFAULT_RATE: Record<CoinGeckoPlan, number> = { public: 30, demo: 30, pro: 500 };

export const upstreamsConfig = defineConfig(
  'upstreams',
  () => ({
    // the plan's defaults follow the key (and the plan): documented as the keyless ones
    COINGECKO_API_KEY: text().optional().describe('CoinGecko API key (never logged)'),
    COINGECKO_PLAN: oneOf(['public', 'demo', 'pro']).optional().meta({ description: 'CoinGecko plan; `demo` when a key is set', default: 'public' }),
    COINGECKO_CALLS_PER_MINUTE: integer({ min: 1, max: 10_000 }).optional().meta({ description: 'the CoinGecko request budget; 500 on pro', default: COINGECKO_DEFAULT_RATE.public }),
    COINGECKO_BASE_URL: url().optional().meta({ description: 'CoinGecko API root (pro-api on pro)', default: COINGECKO_ROOT.public }),
    COINDESK_API_KEY: text().optional().describe('CoinDesk Data API key (never logged)'),
    // per-key limits; free-tier numbers are unpublished: a conservative default, raise it for a paid key
    COINDESK_CALLS_PER_MINUTE: integer({ min: 1, max: 100_000 }).default(60).describe('the CoinDesk request budget'),
    COINDESK_BASE_URL: url().default('https://data-api.coindesk.com').describe('CoinDesk API root'),
    DEFILLAMA_BASE_URL: url().default('https://stablecoins.llama.fi').describe('DefiLlama stablecoins API root'),
    DERIBIT_BASE_URL: url().default('https://www.deribit.com/api/v2').describe('Deribit API root'),
    BINANCE_SPOT_BASE_URL: url().default('https://api.binance.com').describe('Binance spot root'),
    BINANCE_FUTURES_BASE_URL: url().default('https://fapi.binance.com').describe('Binance USD-M futures root'),
    // GeckoTerminal is the spreads' DEX upstream; its root keeps the spreads name it has always had
    SPREADS_DEX_BASE_URL: url().default('https://api.geckoterminal.com/api/v2').describe('GeckoTerminal API root'),
    UPSTREAM_TIMEOUT_MS: integer({ min: 50, max: 120_000 }).optional().describe("caps every upstream call's timeout"),
  }),
  (env, report) => {
    const plan: CoinGeckoPlan = env.COINGECKO_PLAN ?? (env.COINGECKO_API_KEY ? 'demo' : 'public');
    if (plan !== 'public' && !env.COINGECKO_API_KEY) report(`COINGECKO_PLAN=${plan} needs COINGECKO_API_KEY`);
    return {
      /** caps every upstream call's timeout (each client has its own default, 10 s for most) */
      timeoutCapMs: env.UPSTREAM_TIMEOUT_MS,
      coingecko: {
        baseUrl: env.COINGECKO_BASE_URL ?? COINGECKO_ROOT[plan],
        apiKey: env.COINGECKO_API_KEY,
        plan,
        callsPerMinute: env.COINGECKO_CALLS_PER_MINUTE ?? COINGECKO_DEFAULT_RATE[plan],
      },
      defillama: { baseUrl: env.DEFILLAMA_BASE_URL },
      coindesk: { baseUrl: env.COINDESK_BASE_URL, apiKey: env.COINDESK_API_KEY, callsPerMinute: env.COINDESK_CALLS_PER_MINUTE },
      deribit: { baseUrl: env.DERIBIT_BASE_URL },
      /** Binance spot (`/api/v3`) and USD-M futures (`/fapi/v1`) live on separate hosts */
      binance: { spotBaseUrl: env.BINANCE_SPOT_BASE_URL, futuresBaseUrl: env.BINANCE_FUTURES_BASE_URL },
      /** GeckoTerminal allows about 30 calls a minute per client: 25 keeps under it (the sandbox's simulator has no limit) */
      geckoterminal: { baseUrl: env.SPREADS_DEX_BASE_URL, callsPerMinute: 25 },
    };
  },
);

export const authConfig = defineConfig(
  'auth',
  ({ nodeEnv }) => ({
    AUTH_JWT_SECRET: text({ min: 16 }).optional().describe('HS256 secret (at least 16 characters) for the seed-000 streams'),
    AUTH_JWKS_URL: url().optional().describe('a JWKS URL for the seed-000 streams'),
    AUTH_REQUIRED: boolean().default(nodeEnv === 'production').describe('when off, the streams accept anonymous clients'),
    AUTH_MAX_TOKEN_AGE_S: integer({ min: 1 }).optional().describe('longest token lifetime accepted'),
    API_KEYS_FILE: text().optional().describe('JSON array of API consumers upserted at start'),
    API_POINTS_PERIOD: oneOf(['hour', 'day', 'week', 'month']).default('month').describe("reset period of API consumers' points quotas"),
  }),
  (env, report) => {
    if (env.AUTH_REQUIRED && !env.AUTH_JWT_SECRET && !env.AUTH_JWKS_URL) {
      report('AUTH_REQUIRED is on (explicitly or because NODE_ENV=production) but neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is set');
    }
    return {
      required: env.AUTH_REQUIRED,
      jwtSecret: env.AUTH_JWT_SECRET,
      jwksUrl: env.AUTH_JWKS_URL,
      apiKeysFile: env.API_KEYS_FILE,
      pointsPeriod: env.API_POINTS_PERIOD as PointsPeriodName,
      /** longest accepted token lifetime; unset: no bound */
      maxTokenAgeSeconds: env.AUTH_MAX_TOKEN_AGE_S,
    };
  },
);

export const wsConfig = defineConfig(
  'ws',
  () => ({
    WS_MAX_CONNECTIONS: integer({ min: 1 }).default(20_000).describe('one process-wide cap over every WebSocket surface'),
    WS_MAX_CONNECTIONS_PER_IP: integer({ min: 1 }).default(500).describe('WebSocket connections one client IP may hold'),
    WS_MAX_PAYLOAD_BYTES: integer({ min: 1024 }).default(16 * 1024).describe('largest inbound WebSocket message'),
    WS_HEARTBEAT_MS: integer({ min: 1000 }).default(30_000).describe('ping interval'),
    REALTIME_MAX_SUBSCRIPTIONS: integer({ min: 1, max: 1_000 }).default(32).describe('subscriptions one `WS /v1/stream` socket may hold'),
  }),
  (env) => ({
    maxConnections: env.WS_MAX_CONNECTIONS,
    maxPayloadBytes: env.WS_MAX_PAYLOAD_BYTES,
    heartbeatMs: env.WS_HEARTBEAT_MS,
    maxConnectionsPerIp: env.WS_MAX_CONNECTIONS_PER_IP,
    maxSubscriptionsPerSocket: env.REALTIME_MAX_SUBSCRIPTIONS,
  }),
);

/** the resume buffer of the event streams without a durable history (DEX messages, capital-flow snapshots) */
export const resumeConfig = defineConfig(
  'resume',
  () => ({
    REALTIME_RESUME_RETENTION_S: integer({ min: 1, max: 86_400 }).default(900).describe('how long event streams can resume, seconds'),
    REALTIME_RESUME_MAX_EVENTS: integer({ min: 1, max: 10_000_000 }).default(100_000).describe('at most this many events kept per stream'),
  }),
  (env) => ({ retentionSeconds: env.REALTIME_RESUME_RETENTION_S, maxEvents: env.REALTIME_RESUME_MAX_EVENTS }),
);

export const shutdownConfig = defineConfig(
  'shutdown',
  // production sits behind a load balancer that needs a few probe periods to take the instance out
  ({ nodeEnv }) => ({ SHUTDOWN_DRAIN_MS: integer({ min: 0, max: 8_000 }).default(nodeEnv === 'production' ? 5_000 : 0).describe('on SIGTERM, how long readiness answers 503 before the servers close') }),
  (env) => ({ drainMs: env.SHUTDOWN_DRAIN_MS }),
);

/** `REPLICA_ID` unset: host name, pid and a random suffix, unique per process and readable in logs. */
function generatedReplicaId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export const clusterConfig = defineConfig(
  'cluster',
  () => ({
    REPLICA_ID: matching(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ . -')
      .default(generatedReplicaId)
      .meta({ description: "this replica's name in /health/ready, logs and leases", default: 'host name, pid and a random suffix' }),
    LEADER_LEASE_MS: integer({ min: 1_000, max: 60_000 }).default(5_000).describe('with Redis: the lease of each singleton role'),
    // declared by the redis slice too: one variable, read by both
    REDIS_KEY_PREFIX: KEY_PREFIX.default('mg:'),
  }),
  (env) => ({
    replicaId: env.REPLICA_ID,
    /** the Redis lease of each singleton role, used when `REDIS_URL` is set */
    leaderLeaseMs: env.LEADER_LEASE_MS,
    /** the prefix of the leadership keys, under `REDIS_KEY_PREFIX` */
    keyPrefix: `${env.REDIS_KEY_PREFIX}cluster:`,
  }),
);

/** The cross-cutting configuration every lib may read (`APP_CONFIG`); the gateway adds its features' slices. */
export const appConfig = composeConfig(
  envConfig,
  logLevelConfig,
  httpConfig,
  marketDataConfig,
  storageConfig,
  redisConfig,
  kafkaConfig,
  upstreamsConfig,
  authConfig,
  wsConfig,
  resumeConfig,
  shutdownConfig,
  clusterConfig,
);

export const APP_CONFIG_SLICES = appConfig.slices;

export type AppConfig = ComposedConfig<typeof APP_CONFIG_SLICES>;

/** The cross-cutting slices alone (libs' tests and CLIs); the gateway validates its whole schema instead. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  return appConfig.load(env);
}
