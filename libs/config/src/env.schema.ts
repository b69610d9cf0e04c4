import { Transform } from 'class-transformer';
import { IsBoolean, IsEnum, IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min, MinLength } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
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

  @IsOptional() @IsUrl({ require_tld: false, protocols: ['postgres', 'postgresql'] }) DATABASE_URL?: string;
  @IsOptional() @IsString() DATA_DIR?: string;
  @IsOptional() @IsUrl({ require_tld: false, protocols: ['redis', 'rediss'] }) REDIS_URL?: string;
  @IsOptional() @IsString() KAFKA_BROKERS?: string;
  @IsOptional() @IsString() DEX_METRICS_TOPIC?: string;

  @IsOptional() @IsString() COINGECKO_API_KEY?: string;
  @IsOptional() @IsIn(['public', 'demo', 'pro']) COINGECKO_PLAN?: string;
  @IsOptional() @IsString() COINDESK_API_KEY?: string;
  @IsOptional() @IsUrl(url) COINGECKO_BASE_URL?: string;
  @IsOptional() @IsUrl(url) DEFILLAMA_BASE_URL?: string;
  @IsOptional() @IsUrl(url) COINDESK_BASE_URL?: string;
  @IsOptional() @IsUrl(url) DERIBIT_BASE_URL?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10_000) COINGECKO_CALLS_PER_MINUTE?: number;

  @IsOptional() @IsString() @MinLength(16) AUTH_JWT_SECRET?: string;
  @IsOptional() @IsUrl(url) AUTH_JWKS_URL?: string;
  @IsOptional() @Transform(toBool) @IsBoolean() AUTH_REQUIRED?: boolean;
  @IsOptional() @IsString() API_KEYS_FILE?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) WS_MAX_CONNECTIONS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1024) WS_MAX_PAYLOAD_BYTES?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1000) WS_HEARTBEAT_MS?: number;
}
