import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { resolve } from 'node:path';
import { EnvSchema, MarketDataMode } from './env.schema';
import { parseDexPools, parseRpcUrls, readDexPoolsFile, type DexConfig } from './dex-config';
import { parseAllowedOrigins, type AllowedOrigins } from '@app/http-security/origin-policy';
import { compileTrustedProxies } from '@app/http-security/client-address';

export type CoinGeckoPlan = 'public' | 'demo' | 'pro';
/** how often an API consumer's points quota resets (UTC calendar periods) */
export type PointsPeriodName = 'hour' | 'day' | 'week' | 'month';

export const DEFAULT_CAPITAL_FLOW_TOKENS = ['BTC', 'ETH', 'BNB', 'SOL', 'XRP', 'DOGE', 'ADA', 'TRX', 'AVAX', 'LINK'];

/** The typed, nested configuration every module receives. Built only by `loadConfig`. */
export interface AppConfig {
  env: 'development' | 'production' | 'test';
  http: {
    host: string;
    port: number;
    /** browser origins allowed on REST and WebSocket (`ALLOWED_ORIGINS`): `*`, a list, or undefined = same-origin only */
    allowedOrigins: AllowedOrigins;
    /** REST requests per minute per client IP and per API key (0 = no limit) */
    rateLimits: { perIpPerMinute: number; perKeyPerMinute: number };
    /** proxies (load balancers) whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`): per-IP limits then count clients, not the proxy */
    trustedProxies: string[];
  };
  logLevel: string;
  /** `upstreamUrl`: in sandbox mode, an external simulator shared by several replicas instead of one in-process */
  marketData: { mode: MarketDataMode; sandboxSeed: number; upstreamUrl?: string };
  storage: { databaseUrl?: string; dataDir: string };
  /**
   * `keyPrefix` goes in front of every key and channel the cluster uses (several deployments or tests on one Redis);
   * `feedLeaseTtlMs`: how long a dead replica keeps the upstream feeds it refreshed for the cluster
   */
  redis: { url?: string; keyPrefix: string; feedLeaseTtlMs: number };
  kafka: { brokers: string[]; dexMetricsTopic: string };
  /** DEX metrics (seed 004): tracked pools, RPC endpoints, timings */
  dex: DexConfig;
  upstreams: {
    /** caps every upstream call's timeout (each client has its own default, 10 s for most) */
    timeoutCapMs?: number;
    coingecko: { baseUrl: string; apiKey?: string; plan: CoinGeckoPlan; callsPerMinute: number };
    defillama: { baseUrl: string };
    coindesk: { baseUrl: string; apiKey?: string; callsPerMinute: number };
    deribit: { baseUrl: string };
    /** Binance spot (`/api/v3`) and USD-M futures (`/fapi/v1`) live on separate hosts */
    binance: { spotBaseUrl: string; futuresBaseUrl: string };
  };
  /** `maxTokenAgeSeconds`: longest accepted token lifetime (`AUTH_MAX_TOKEN_AGE_S`, README), unset: no bound */
  auth: { required: boolean; jwtSecret?: string; jwksUrl?: string; apiKeysFile?: string; pointsPeriod?: PointsPeriodName; maxTokenAgeSeconds?: number };
  /** capital-flow (seed 002): tracked token symbols (BTC first: vsTokenId 1) and whether kline ingestion runs */
  capitalFlow: { tokens: string[]; ingest: boolean };
  /** spreads (seed 003): quote source, venues and detection rules (README "Spreads") */
  spreads: SpreadsConfig;
  ws: { maxConnections: number; maxPayloadBytes: number; heartbeatMs: number; maxConnectionsPerIp: number; maxSubscriptionsPerSocket: number };
  /** the resume buffer of the event streams without a durable history (DEX messages, capital-flow snapshots) */
  resume: { retentionSeconds: number; maxEvents: number };
  /** on SIGTERM: readiness answers 503 for `drainMs` before the servers close */
  shutdown: { drainMs: number };
  /**
   * cluster (issue 11), used when `REDIS_URL` is set: the Redis lease of each singleton role (`LEADER_LEASE_MS`) and
   * the prefix of the leadership keys, under `REDIS_KEY_PREFIX`
   */
  cluster: { leaderLeaseMs: number; keyPrefix: string };
}

export interface SpreadsConfig {
  /** ccxt: live venues; simulated: the same ccxt clients pointed at the simulator's venues (sandbox); off: no quotes (tests) */
  source: 'ccxt' | 'simulated' | 'off';
  /** with `simulated`: the simulator's venues root (`<simulator>/exchanges`), set at start (never from the environment) */
  simulatedVenuesUrl?: string;
  venues: string[];
  quoteCurrencies: string[];
  pollMs: number;
  simTickMs: number;
  openPct: number;
  closePct: number;
  sanityCapPct: number;
  maxQuoteAgeMs: number;
  cooldownMs: number;
  minVolume24h: number;
  minDexLiquidityUsd: number;
  historyFlushMs: number;
  /** GeckoTerminal networks whose top pools give DEX legs (live source only) */
  dexNetworks: string[];
  dexBaseUrl: string;
  /** venues streamed through ccxt.pro `watch*` (REST polling when the stream is silent); the others are polled */
  watchVenues: string[];
  /** a watched leg with no update for this long falls back to REST polling until the stream delivers again */
  watchStaleMs: number;
}

export const DEFAULT_SPREADS_VENUES = ['binance', 'bybit', 'okx', 'gate', 'bitget', 'mexc', 'kucoin'];
/** where ccxt.pro streaming is workable (reference/exchanges-dex.md §1.2): not MEXC, whose spot `watchTickers` is NotSupported */
export const DEFAULT_SPREADS_WATCH_VENUES = ['binance', 'bybit', 'okx', 'gate', 'bitget', 'kucoin'];

export class ConfigValidationError extends Error {
  override name = 'ConfigValidationError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

const COINGECKO_ROOT: Record<CoinGeckoPlan, string> = {
  public: 'https://api.coingecko.com/api/v3',
  demo: 'https://api.coingecko.com/api/v3',
  pro: 'https://pro-api.coingecko.com/api/v3',
};
// Keyless CoinGecko is IP-limited and Demo has documented 30/min in older docs: design for the low number.
const COINGECKO_DEFAULT_RATE: Record<CoinGeckoPlan, number> = { public: 30, demo: 30, pro: 500 };

/** Validates the environment once and maps it into `AppConfig`; throws `ConfigValidationError` naming every bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // Only decorated properties are validated; the rest of the environment is ignored. An empty value
  // means unset (compose files write `KEY: ${KEY:-}`).
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = plainToInstance(EnvSchema, present);
  const errors = validateSync(parsed, { skipMissingProperties: false, forbidUnknownValues: false });
  const problems = errors.flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) => `${error.property}=${JSON.stringify(redact(error.property, error.value))}: ${message}`),
  );
  const nodeEnv = (parsed.NODE_ENV ?? 'development') as AppConfig['env'];
  const plan = (parsed.COINGECKO_PLAN ?? (parsed.COINGECKO_API_KEY ? 'demo' : 'public')) as CoinGeckoPlan;
  const authRequired = parsed.AUTH_REQUIRED ?? nodeEnv === 'production';
  if (authRequired && !parsed.AUTH_JWT_SECRET && !parsed.AUTH_JWKS_URL) {
    problems.push('AUTH_REQUIRED is on (explicitly or because NODE_ENV=production) but neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is set');
  }
  if (plan !== 'public' && !parsed.COINGECKO_API_KEY) {
    problems.push(`COINGECKO_PLAN=${plan} needs COINGECKO_API_KEY`);
  }
  const spreads = spreadsConfig(parsed, nodeEnv, problems);
  const dexPoolsFile = parsed.DEX_POOLS_FILE ? resolve(parsed.DEX_POOLS_FILE) : undefined;
  if (dexPoolsFile && parsed.DEX_POOLS) problems.push('DEX_POOLS and DEX_POOLS_FILE are both set: use one of them');
  const dexPools = dexPoolsFile ? readDexPoolsFile(dexPoolsFile, problems) : parseDexPools(parsed.DEX_POOLS, problems);
  const dexRpcUrls = parseRpcUrls(parsed.DEX_RPC_URLS, problems);
  const allowedOrigins = parseAllowedOrigins(parsed.ALLOWED_ORIGINS, problems);
  if (problems.length > 0) throw new ConfigValidationError(problems);

  return {
    env: nodeEnv,
    http: {
      host: parsed.HOST ?? '0.0.0.0',
      port: parsed.PORT ?? 8000,
      allowedOrigins,
      trustedProxies: parseTrustedProxies(parsed.TRUSTED_PROXIES),
      rateLimits: { perIpPerMinute: parsed.HTTP_RATE_LIMIT_PER_IP_PER_MINUTE ?? 12_000, perKeyPerMinute: parsed.HTTP_RATE_LIMIT_PER_KEY_PER_MINUTE ?? 6_000 },
    },
    logLevel: parsed.LOG_LEVEL ?? (nodeEnv === 'test' ? 'warn' : 'info'),
    marketData: { mode: parsed.MARKET_DATA ?? MarketDataMode.Live, sandboxSeed: parsed.SANDBOX_SEED ?? 42, upstreamUrl: parsed.SANDBOX_UPSTREAM_URL },
    storage: { databaseUrl: parsed.DATABASE_URL, dataDir: resolve(parsed.DATA_DIR ?? './data') },
    redis: { url: parsed.REDIS_URL, keyPrefix: parsed.REDIS_KEY_PREFIX ?? 'mg:', feedLeaseTtlMs: parsed.FEED_LEASE_TTL_MS ?? 15_000 },
    kafka: {
      brokers: csv(parsed.KAFKA_BROKERS, []),
      dexMetricsTopic: parsed.DEX_METRICS_TOPIC ?? 'dex-metrics',
    },
    dex: {
      pools: dexPools,
      poolsFile: dexPoolsFile,
      rpcUrls: dexRpcUrls,
      pollIntervalMs: parsed.DEX_POLL_INTERVAL_MS ?? 3_000,
      batchDelayMs: parsed.DEX_BATCH_DELAY_MS ?? 5_000,
      reorgDepthBlocks: parsed.DEX_REORG_DEPTH_BLOCKS ?? 12,
      logsBlockRange: parsed.DEX_LOGS_BLOCK_RANGE ?? 2_000,
      stateRefreshMs: parsed.DEX_STATE_REFRESH_MS ?? 300_000,
      backfillSeconds: parsed.DEX_BACKFILL_SECONDS ?? 86_400,
    },
    upstreams: {
      timeoutCapMs: parsed.UPSTREAM_TIMEOUT_MS,
      coingecko: {
        baseUrl: parsed.COINGECKO_BASE_URL ?? COINGECKO_ROOT[plan],
        apiKey: parsed.COINGECKO_API_KEY,
        plan,
        callsPerMinute: parsed.COINGECKO_CALLS_PER_MINUTE ?? COINGECKO_DEFAULT_RATE[plan],
      },
      defillama: { baseUrl: parsed.DEFILLAMA_BASE_URL ?? 'https://stablecoins.llama.fi' },
      coindesk: {
        baseUrl: parsed.COINDESK_BASE_URL ?? 'https://data-api.coindesk.com',
        apiKey: parsed.COINDESK_API_KEY,
        // per-key limits; free-tier numbers are unpublished: a conservative default, raise it for a paid key
        callsPerMinute: parsed.COINDESK_CALLS_PER_MINUTE ?? 60,
      },
      deribit: { baseUrl: parsed.DERIBIT_BASE_URL ?? 'https://www.deribit.com/api/v2' },
      binance: {
        spotBaseUrl: parsed.BINANCE_SPOT_BASE_URL ?? 'https://api.binance.com',
        futuresBaseUrl: parsed.BINANCE_FUTURES_BASE_URL ?? 'https://fapi.binance.com',
      },
    },
    auth: {
      required: authRequired,
      jwtSecret: parsed.AUTH_JWT_SECRET,
      jwksUrl: parsed.AUTH_JWKS_URL,
      apiKeysFile: parsed.API_KEYS_FILE,
      pointsPeriod: (parsed.API_POINTS_PERIOD ?? 'month') as PointsPeriodName,
      maxTokenAgeSeconds: parsed.AUTH_MAX_TOKEN_AGE_S,
    },
    capitalFlow: {
      tokens: csv(parsed.CAPITAL_FLOW_TOKENS, DEFAULT_CAPITAL_FLOW_TOKENS, true),
      // off by default under NODE_ENV=test: suites that need points sync explicitly (against the simulator)
      ingest: parsed.CAPITAL_FLOW_INGEST ?? nodeEnv !== 'test',
    },
    spreads,
    ws: {
      maxConnections: parsed.WS_MAX_CONNECTIONS ?? 20_000,
      maxPayloadBytes: parsed.WS_MAX_PAYLOAD_BYTES ?? 16 * 1024,
      heartbeatMs: parsed.WS_HEARTBEAT_MS ?? 30_000,
      maxConnectionsPerIp: parsed.WS_MAX_CONNECTIONS_PER_IP ?? 500,
      maxSubscriptionsPerSocket: parsed.REALTIME_MAX_SUBSCRIPTIONS ?? 32,
    },
    resume: { retentionSeconds: parsed.REALTIME_RESUME_RETENTION_S ?? 900, maxEvents: parsed.REALTIME_RESUME_MAX_EVENTS ?? 100_000 },
    // production sits behind a load balancer that needs a few probe periods to take the instance out
    shutdown: { drainMs: parsed.SHUTDOWN_DRAIN_MS ?? (nodeEnv === 'production' ? 5_000 : 0) },
    cluster: { leaderLeaseMs: parsed.LEADER_LEASE_MS ?? 5_000, keyPrefix: `${parsed.REDIS_KEY_PREFIX ?? 'mg:'}cluster:` },
  };
}

/** A comma-separated env value as a de-duplicated list (blank entries dropped), or `fallback` when unset. */
function csv(value: string | undefined, fallback: string[], upper = false): string[] {
  if (!value) return fallback;
  const parts = value.split(',').map((part) => (upper ? part.trim().toUpperCase() : part.trim()));
  return [...new Set(parts.filter(Boolean))];
}

function spreadsConfig(parsed: EnvSchema, nodeEnv: AppConfig['env'], problems: string[]): SpreadsConfig {
  const mode = parsed.MARKET_DATA ?? MarketDataMode.Live;
  // tests never poll real venues unless they ask for a source explicitly
  const source = (parsed.SPREADS_SOURCE ?? (mode === MarketDataMode.Sandbox ? 'simulated' : nodeEnv === 'test' ? 'off' : 'ccxt')) as SpreadsConfig['source'];
  const venues = csv(parsed.SPREADS_VENUES, DEFAULT_SPREADS_VENUES);
  const unknown = venues.filter((venue) => !DEFAULT_SPREADS_VENUES.includes(venue));
  if (unknown.length > 0) problems.push(`SPREADS_VENUES: unknown venue(s) ${unknown.join(', ')} (known: ${DEFAULT_SPREADS_VENUES.join(', ')})`);
  const config: SpreadsConfig = {
    source,
    venues,
    quoteCurrencies: csv(parsed.SPREADS_QUOTE_CURRENCIES, ['USDT'], true),
    pollMs: parsed.SPREADS_POLL_MS ?? 3_000,
    simTickMs: parsed.SPREADS_SIM_TICK_MS ?? 1_000,
    openPct: parsed.SPREADS_OPEN_PCT ?? 1,
    closePct: parsed.SPREADS_CLOSE_PCT ?? 0.5,
    sanityCapPct: parsed.SPREADS_SANITY_CAP_PCT ?? 50,
    maxQuoteAgeMs: parsed.SPREADS_MAX_QUOTE_AGE_MS ?? 15_000,
    cooldownMs: parsed.SPREADS_COOLDOWN_MS ?? 120_000,
    minVolume24h: parsed.SPREADS_MIN_VOLUME_24H ?? 0,
    minDexLiquidityUsd: parsed.SPREADS_MIN_DEX_LIQUIDITY_USD ?? 10_000,
    // live frames wait for their history id (seq): a short batch window keeps quote → frame latency low
    historyFlushMs: parsed.SPREADS_HISTORY_FLUSH_MS ?? 20,
    dexNetworks: parsed.SPREADS_DEX_NETWORKS === 'none' ? [] : csv(parsed.SPREADS_DEX_NETWORKS, ['eth', 'bsc', 'solana']),
    dexBaseUrl: parsed.SPREADS_DEX_BASE_URL ?? 'https://api.geckoterminal.com/api/v2',
    watchVenues: parsed.SPREADS_WATCH_VENUES === 'none' ? [] : csv(parsed.SPREADS_WATCH_VENUES, DEFAULT_SPREADS_WATCH_VENUES),
    watchStaleMs: parsed.SPREADS_WATCH_STALE_MS ?? 10_000,
  };
  const unknownWatch = config.watchVenues.filter((venue) => !DEFAULT_SPREADS_VENUES.includes(venue));
  if (unknownWatch.length > 0) problems.push(`SPREADS_WATCH_VENUES: unknown venue(s) ${unknownWatch.join(', ')} (known: ${DEFAULT_SPREADS_VENUES.join(', ')})`);
  if (!(config.openPct > 0)) problems.push('SPREADS_OPEN_PCT must be > 0');
  if (!(config.closePct < config.openPct)) problems.push('SPREADS_CLOSE_PCT must be lower than SPREADS_OPEN_PCT (hysteresis)');
  if (!(config.sanityCapPct > config.openPct)) problems.push('SPREADS_SANITY_CAP_PCT must be above SPREADS_OPEN_PCT');
  return config;
}

const SECRET_KEYS = /KEY|SECRET|TOKEN|PASSWORD/;
function redact(key: string, value: unknown): unknown {
  return SECRET_KEYS.test(key) && value ? '<redacted>' : value;
}

/** `TRUSTED_PROXIES`: comma-separated IPs, CIDRs or proxy-addr's names (loopback, linklocal, uniquelocal); checked here. */
function parseTrustedProxies(value: string | undefined): string[] {
  const list = (value ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  try {
    compileTrustedProxies(list);
  } catch (error) {
    throw new Error(`TRUSTED_PROXIES: ${(error as Error).message}`);
  }
  return list;
}
