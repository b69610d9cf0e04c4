import type { SqlExecutor } from '@app/storage';
import { ApiConsumer, ApiConsumerInput, ApiKeyOrigin, ApiKeyStore, ApiTier } from './contracts';
import { generateSecret, hashApiKey, traceWatermark } from './key-hash';
import { validateConsumerInput } from './validate-input';

interface ConsumerRow {
  id: number;
  name: string;
  tier: ApiTier;
  secret: string;
  points: number;
  disabled: boolean;
}

export interface SqlApiKeyStoreOptions {
  /** how long a lookup (found or not) is reused in-process; a revoke by another process takes effect after this */
  cacheMs?: number;
  /** bound of the lookup cache */
  cacheEntries?: number;
  now?: () => number;
}

const COLUMNS = 'id, name, tier, secret, points, disabled';

/** `ApiKeyStore` over the `api_consumers` table (Postgres or PGlite); keys are looked up by their sha256. */
export class SqlApiKeyStore implements ApiKeyStore {
  private readonly cache = new Map<string, { consumer: ApiConsumer | undefined; until: number }>();
  private readonly cacheMs: number;
  private readonly cacheEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly db: SqlExecutor,
    private readonly serverSalt: string,
    options: SqlApiKeyStoreOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 5_000;
    this.cacheEntries = options.cacheEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  async findByKey(key: string): Promise<ApiConsumer | undefined> {
    if (typeof key !== 'string' || key.length === 0 || key.length > 512) return undefined;
    const hash = hashApiKey(key);
    const cached = this.cache.get(hash);
    if (cached && cached.until > this.now()) return cached.consumer;
    const { rows } = await this.db.query<ConsumerRow>(`select ${COLUMNS} from api_consumers where key_hash = $1`, [hash]);
    const consumer = rows[0] && !rows[0].disabled ? this.toConsumer(rows[0]) : undefined;
    if (this.cache.size >= this.cacheEntries) this.cache.clear();
    this.cache.set(hash, { consumer, until: this.now() + this.cacheMs });
    return consumer;
  }

  async upsert(input: ApiConsumerInput, origin: ApiKeyOrigin = 'cli'): Promise<ApiConsumer> {
    const valid = validateConsumerInput(input, `consumer "${input?.name}"`);
    const hash = hashApiKey(valid.key);
    // An upsert re-enables a revoked key: the file or the operator says it is wanted. The last one to upsert a key
    // owns it: a file key re-added with the CLI is no longer disabled when it leaves the file, and the reverse.
    const { rows } = await this.db.query<ConsumerRow>(
      `insert into api_consumers (key_hash, name, tier, secret, points, disabled, origin)
       values ($1, $2, $3, $4, $5, false, $8)
       on conflict (key_hash) do update set
         name = excluded.name, tier = excluded.tier,
         secret = coalesce($6, api_consumers.secret),
         points = coalesce($7, api_consumers.points),
         disabled = false, origin = excluded.origin, updated_at = now()
       returning ${COLUMNS}`,
      [hash, valid.name, valid.tier, valid.secret ?? generateSecret(), valid.points ?? 0, valid.secret ?? null, valid.points ?? null, origin],
    );
    this.cache.delete(hash);
    return this.toConsumer(rows[0]);
  }

  async disableFileConsumersExcept(keys: readonly string[]): Promise<string[]> {
    const kept = new Set(keys.map(hashApiKey));
    const { rows } = await this.db.query<{ id: number; key_hash: string; name: string }>(
      "select id, key_hash, name from api_consumers where origin = 'file' and not disabled order by id",
    );
    const removed = rows.filter((row) => !kept.has(row.key_hash));
    for (const row of removed) await this.db.query('update api_consumers set disabled = true, updated_at = now() where id = $1', [row.id]);
    if (removed.length > 0) this.cache.clear();
    return removed.map((row) => row.name);
  }

  async list(): Promise<ApiConsumer[]> {
    const { rows } = await this.db.query<ConsumerRow>(`select ${COLUMNS} from api_consumers order by id`);
    return rows.map((row) => this.toConsumer(row));
  }

  async revoke(key: string): Promise<boolean> {
    const hash = hashApiKey(key);
    const { rowCount } = await this.db.query('update api_consumers set disabled = true, updated_at = now() where key_hash = $1', [hash]);
    this.cache.delete(hash);
    return rowCount > 0;
  }

  /** Disables by id (the CLI can list ids, never keys). */
  async revokeById(id: number): Promise<boolean> {
    const { rowCount } = await this.db.query('update api_consumers set disabled = true, updated_at = now() where id = $1', [id]);
    this.cache.clear();
    return rowCount > 0;
  }

  private toConsumer(row: ConsumerRow): ApiConsumer {
    const id = Number(row.id);
    return {
      id,
      name: row.name,
      tier: row.tier,
      secret: row.secret,
      points: Number(row.points),
      trace: traceWatermark(this.serverSalt, id),
      disabled: row.disabled,
    };
  }
}
