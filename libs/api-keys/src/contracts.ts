/**
 * API consumers (spreads tiers, capital-flow signed requests and points). Keys are stored hashed;
 * the HMAC secret is stored because verifying a signature needs it.
 */
export type ApiTier = 'machine-dev' | 'builder' | 'contract';

export const API_TIERS: readonly ApiTier[] = ['machine-dev', 'builder', 'contract'];

export interface ApiConsumer {
  /** internal id (stable) */
  id: number;
  name: string;
  tier: ApiTier;
  /** secret for signed requests (capital-flow X-SIGN); never logged, never returned by an API */
  secret: string;
  /** points quota per reset period (capital-flow metering) */
  points: number;
  /** per-consumer trace watermark: stable, not reversible to the key (e.g. `c_` + HMAC of the id) */
  trace: string;
  disabled: boolean;
}

/** What `API_KEYS_FILE` and the CLI give for one consumer. */
export interface ApiConsumerInput {
  key: string;
  secret?: string;
  tier: ApiTier;
  name: string;
  points?: number;
}

/** `file`: managed by `API_KEYS_FILE` (disabled once it leaves the file); `cli`: made by the operator with the CLI */
export type ApiKeyOrigin = 'file' | 'cli';

export interface ApiKeyStore {
  /** the consumer a presented key belongs to, or undefined (unknown or disabled key) */
  findByKey(key: string): Promise<ApiConsumer | undefined>;
  /** creates or updates the consumer of `input.key` (matched by its hash); `origin` defaults to `cli` */
  upsert(input: ApiConsumerInput, origin?: ApiKeyOrigin): Promise<ApiConsumer>;
  /** disables the active `file` consumers whose key is not in `keys`; returns their names */
  disableFileConsumersExcept(keys: readonly string[]): Promise<string[]>;
  list(): Promise<ApiConsumer[]>;
  /** disables the consumer of a key; true when one was found */
  revoke(key: string): Promise<boolean>;
}

export const API_KEY_STORE = Symbol('API_KEY_STORE');
