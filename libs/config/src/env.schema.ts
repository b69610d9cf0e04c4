import { Transform } from 'class-transformer';
import { IsBoolean, IsEnum, IsIn, IsInt, IsNumber, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const toFloat = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const toBool = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  const text = String(value).toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  return value; // left as-is so IsBoolean reports it
};
const url = { require_tld: false, require_protocol: true, protocols: ['http', 'https', 'ws', 'wss'] };

export enum MarketDataMode {
  Live = 'live',
  Sandbox = 'sandbox',
}

/** Every environment variable the service reads, validated once at start (see README "Configuration"). */
export class EnvSchema {
  @IsOptional() @IsIn(['development', 'production', 'test']) NODE_ENV?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsOptional() @IsString() HOST?: string;
  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL?: string;

  @IsOptional() @IsEnum(MarketDataMode) MARKET_DATA?: MarketDataMode;
  @IsOptional() @Transform(toInt) @IsInt() SANDBOX_SEED?: number;
  @IsOptional() @IsUrl(url) SANDBOX_UPSTREAM_URL?: string;

  @IsOptional() @IsUrl({ require_tld: false, protocols: ['postgres', 'postgresql'] }) DATABASE_URL?: string;
  @IsOptional() @IsString() DATA_DIR?: string;
  @IsOptional() @IsUrl({ require_tld: false, protocols: ['redis', 'rediss'] }) REDIS_URL?: string;
  @IsOptional() @Matches(/^[A-Za-z0-9:_.-]{0,64}$/, { message: 'REDIS_KEY_PREFIX must be up to 64 characters of A-Z a-z 0-9 : _ . -' }) REDIS_KEY_PREFIX?: string;
  /** this replica's name in /health/ready, logs and leases (default: host name, pid and a random suffix) */
  @IsOptional() @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'REPLICA_ID must be 1-64 characters of A-Z a-z 0-9 _ . -' }) REPLICA_ID?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1_000) @Max(600_000) FEED_LEASE_TTL_MS?: number;
  @IsOptional() @IsString() KAFKA_BROKERS?: string;
  @IsOptional() @IsString() DEX_METRICS_TOPIC?: string;
  @IsOptional() @IsString() DEX_POOLS?: string;
  @IsOptional() @IsString() DEX_POOLS_FILE?: string;
  @IsOptional() @IsString() DEX_RPC_URLS?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) DEX_POLL_INTERVAL_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(30_000) DEX_BATCH_DELAY_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(1_000) DEX_REORG_DEPTH_BLOCKS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100_000) DEX_LOGS_BLOCK_RANGE?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1_000) DEX_STATE_REFRESH_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(172_800) DEX_BACKFILL_SECONDS?: number;

  @IsOptional() @IsString() COINGECKO_API_KEY?: string;
  @IsOptional() @IsIn(['public', 'demo', 'pro']) COINGECKO_PLAN?: string;
  @IsOptional() @IsString() COINDESK_API_KEY?: string;
  @IsOptional() @IsUrl(url) COINGECKO_BASE_URL?: string;
  @IsOptional() @IsUrl(url) DEFILLAMA_BASE_URL?: string;
  @IsOptional() @IsUrl(url) COINDESK_BASE_URL?: string;
  @IsOptional() @IsUrl(url) DERIBIT_BASE_URL?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10_000) COINGECKO_CALLS_PER_MINUTE?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100_000) COINDESK_CALLS_PER_MINUTE?: number;
  @IsOptional() @IsUrl(url) BINANCE_SPOT_BASE_URL?: string;
  @IsOptional() @IsUrl(url) BINANCE_FUTURES_BASE_URL?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(50) @Max(120_000) UPSTREAM_TIMEOUT_MS?: number;

  @IsOptional() @IsString() @MinLength(16) AUTH_JWT_SECRET?: string;
  @IsOptional() @IsUrl(url) AUTH_JWKS_URL?: string;
  @IsOptional() @Transform(toBool) @IsBoolean() AUTH_REQUIRED?: boolean;
  @IsOptional() @IsString() API_KEYS_FILE?: string;
  @IsOptional() @IsIn(['hour', 'day', 'week', 'month']) API_POINTS_PERIOD?: string;

  @IsOptional() @Matches(/^[A-Za-z0-9]+(\s*,\s*[A-Za-z0-9]+)*$/, { message: 'CAPITAL_FLOW_TOKENS must be a comma-separated list of symbols' })
  CAPITAL_FLOW_TOKENS?: string;
  @IsOptional() @Transform(toBool) @IsBoolean() CAPITAL_FLOW_INGEST?: boolean;

  // spreads (seed 003): README "Spreads"
  @IsOptional() @IsIn(['ccxt', 'simulated', 'off']) SPREADS_SOURCE?: string;
  @IsOptional() @Matches(/^[a-z]+(\s*,\s*[a-z]+)*$/, { message: 'SPREADS_VENUES must be a comma-separated list of lowercase venue ids' })
  SPREADS_VENUES?: string;
  @IsOptional() @Matches(/^[A-Za-z0-9]+(\s*,\s*[A-Za-z0-9]+)*$/, { message: 'SPREADS_QUOTE_CURRENCIES must be a comma-separated list' })
  SPREADS_QUOTE_CURRENCIES?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(200) SPREADS_POLL_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(10) SPREADS_SIM_TICK_MS?: number;
  @IsOptional() @Transform(toFloat) @IsNumber() @Min(0) SPREADS_OPEN_PCT?: number;
  @IsOptional() @Transform(toFloat) @IsNumber() @Min(0) SPREADS_CLOSE_PCT?: number;
  @IsOptional() @Transform(toFloat) @IsNumber() @Min(0) SPREADS_SANITY_CAP_PCT?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) SPREADS_MAX_QUOTE_AGE_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) SPREADS_COOLDOWN_MS?: number;
  @IsOptional() @Transform(toFloat) @IsNumber() @Min(0) SPREADS_MIN_VOLUME_24H?: number;
  @IsOptional() @Transform(toFloat) @IsNumber() @Min(0) SPREADS_MIN_DEX_LIQUIDITY_USD?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(10) @Max(60_000) SPREADS_HISTORY_FLUSH_MS?: number;
  @IsOptional() @Matches(/^(none|[a-z0-9_-]+(\s*,\s*[a-z0-9_-]+)*)$/, { message: 'SPREADS_DEX_NETWORKS must be none or a comma-separated list of GeckoTerminal network ids' })
  SPREADS_DEX_NETWORKS?: string;
  @IsOptional() @IsUrl(url) SPREADS_DEX_BASE_URL?: string;
  @IsOptional() @Matches(/^(none|[a-z]+(\s*,\s*[a-z]+)*)$/, { message: 'SPREADS_WATCH_VENUES must be none or a comma-separated list of lowercase venue ids' })
  SPREADS_WATCH_VENUES?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1_000) SPREADS_WATCH_STALE_MS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) WS_MAX_CONNECTIONS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1024) WS_MAX_PAYLOAD_BYTES?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1000) WS_HEARTBEAT_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) WS_MAX_CONNECTIONS_PER_IP?: number;
  /** how far back event streams (DEX, capital-flow) can resume, seconds; and at most this many events per stream */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(86_400) REALTIME_RESUME_RETENTION_S?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10_000_000) REALTIME_RESUME_MAX_EVENTS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) AUTH_MAX_TOKEN_AGE_S?: number;

  // HTTP hygiene (issue 9): README "Security model"
  @IsOptional() @IsString() ALLOWED_ORIGINS?: string;
  /** load balancers whose X-Forwarded-For is believed (README "Running as a cluster") */
  @IsOptional() @IsString() @MaxLength(2_000) TRUSTED_PROXIES?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) HTTP_RATE_LIMIT_PER_IP_PER_MINUTE?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) HTTP_RATE_LIMIT_PER_KEY_PER_MINUTE?: number;
  // shutdown: readiness 503 this long before the servers close (the hard deadline is 10 s)
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(8_000) SHUTDOWN_DRAIN_MS?: number;
  // WS /v1/stream (issue 10): subscriptions one socket may hold
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1_000) REALTIME_MAX_SUBSCRIPTIONS?: number;
  // cluster (issue 11): length of a singleton role's Redis lease; a dead leader's role moves within it (+ ~1 s)
  @IsOptional() @Transform(toInt) @IsInt() @Min(1_000) @Max(60_000) LEADER_LEASE_MS?: number;
  // prefix of the leadership keys in Redis: the replicas of one cluster share it (tests give each cluster its own)
}
