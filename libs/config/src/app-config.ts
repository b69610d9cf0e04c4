import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { resolve } from 'node:path';
import { EnvSchema, MarketDataMode } from './env.schema';

export type CoinGeckoPlan = 'public' | 'demo' | 'pro';

/** The typed, nested configuration every module receives. Built only by `loadConfig`. */
export interface AppConfig {
  env: 'development' | 'production' | 'test';
  http: { host: string; port: number };
  logLevel: string;
  marketData: { mode: MarketDataMode; sandboxSeed: number };
  storage: { databaseUrl?: string; dataDir: string };
  redis: { url?: string };
  kafka: { brokers: string[]; dexMetricsTopic: string };
  upstreams: {
    coingecko: { baseUrl: string; apiKey?: string; plan: CoinGeckoPlan; callsPerMinute: number };
    defillama: { baseUrl: string };
    coindesk: { baseUrl: string; apiKey?: string };
    deribit: { baseUrl: string };
  };
  auth: { required: boolean; jwtSecret?: string; jwksUrl?: string; apiKeysFile?: string };
  ws: { maxConnections: number; maxPayloadBytes: number; heartbeatMs: number };
}

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
  // Only decorated properties are validated; the rest of the environment is ignored.
  const parsed = plainToInstance(EnvSchema, { ...env });
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
  if (problems.length > 0) throw new ConfigValidationError(problems);

  return {
    env: nodeEnv,
    http: { host: parsed.HOST ?? '0.0.0.0', port: parsed.PORT ?? 8000 },
    logLevel: parsed.LOG_LEVEL ?? (nodeEnv === 'test' ? 'warn' : 'info'),
    marketData: { mode: parsed.MARKET_DATA ?? MarketDataMode.Live, sandboxSeed: parsed.SANDBOX_SEED ?? 42 },
    storage: { databaseUrl: parsed.DATABASE_URL, dataDir: resolve(parsed.DATA_DIR ?? './data') },
    redis: { url: parsed.REDIS_URL },
    kafka: {
      brokers: (parsed.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean),
      dexMetricsTopic: parsed.DEX_METRICS_TOPIC ?? 'dex-metrics',
    },
    upstreams: {
      coingecko: {
        baseUrl: parsed.COINGECKO_BASE_URL ?? COINGECKO_ROOT[plan],
        apiKey: parsed.COINGECKO_API_KEY,
        plan,
        callsPerMinute: parsed.COINGECKO_CALLS_PER_MINUTE ?? COINGECKO_DEFAULT_RATE[plan],
      },
      defillama: { baseUrl: parsed.DEFILLAMA_BASE_URL ?? 'https://stablecoins.llama.fi' },
      coindesk: { baseUrl: parsed.COINDESK_BASE_URL ?? 'https://data-api.coindesk.com', apiKey: parsed.COINDESK_API_KEY },
      deribit: { baseUrl: parsed.DERIBIT_BASE_URL ?? 'https://www.deribit.com/api/v2' },
    },
    auth: {
      required: authRequired,
      jwtSecret: parsed.AUTH_JWT_SECRET,
      jwksUrl: parsed.AUTH_JWKS_URL,
      apiKeysFile: parsed.API_KEYS_FILE,
    },
    ws: {
      maxConnections: parsed.WS_MAX_CONNECTIONS ?? 20_000,
      maxPayloadBytes: parsed.WS_MAX_PAYLOAD_BYTES ?? 16 * 1024,
      heartbeatMs: parsed.WS_HEARTBEAT_MS ?? 30_000,
    },
  };
}

const SECRET_KEYS = /KEY|SECRET|TOKEN|PASSWORD/;
function redact(key: string, value: unknown): unknown {
  return SECRET_KEYS.test(key) && value ? '<redacted>' : value;
}
