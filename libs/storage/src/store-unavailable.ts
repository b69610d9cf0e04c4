/**
 * A store the process depends on (Postgres, Redis) cannot be reached right now: the request may succeed once it is
 * back, so HTTP answers 503 with Retry-After instead of a bare 500, and the process keeps running.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(
    readonly store: 'database' | 'redis',
    cause: unknown,
  ) {
    super(`${store} unavailable: ${(cause as { message?: unknown } | undefined)?.message ?? String(cause)}`, { cause });
  }
}

/** Node socket errors of a connection that cannot be made or was cut. */
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** SQLSTATEs of a server that is going away or not accepting connections (class 08: connection exception). */
const POSTGRES_UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03']);
/** what `pg` says when the socket closes under a client, or a pooled connect times out */
const PG_CONNECTION_MESSAGES = [/^Connection terminated/, /^timeout exceeded when trying to connect/, /not queryable/, /^Client was closed/];
/** what ioredis says while it has no connection (offline queue exhausted, socket closed mid-command) */
const REDIS_CONNECTION_MESSAGES = [/^Connection is closed\.?$/, /^Stream isn't writeable/, /max retries per request limit/, /^connect ETIMEDOUT/];

/** Duck-typed: Node's socket errors may come from another realm (Jest's sandbox), where `instanceof Error` fails. */
function errorLike(error: unknown): error is { message: string; name?: unknown; code?: unknown } {
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string';
}

/** An error of `pg` that means "the server cannot be reached", as opposed to a bad statement or a constraint. */
export function isPostgresConnectionError(error: unknown): boolean {
  if (!errorLike(error)) return false;
  const code = error.code;
  if (typeof code === 'string' && (SOCKET_ERRORS.has(code) || POSTGRES_UNAVAILABLE_STATES.has(code) || code.startsWith('08'))) return true;
  return PG_CONNECTION_MESSAGES.some((pattern) => pattern.test(error.message));
}

/** An error of ioredis that means "no connection to Redis right now". */
export function isRedisConnectionError(error: unknown): boolean {
  if (!errorLike(error)) return false;
  if (error.name === 'MaxRetriesPerRequestError') return true;
  return REDIS_CONNECTION_MESSAGES.some((pattern) => pattern.test(error.message));
}

/** Which store an error says is unreachable (a `StoreUnavailableError`, or a raw ioredis connection error), if any. */
export function unavailableStore(error: unknown): 'database' | 'redis' | undefined {
  if (error instanceof StoreUnavailableError) return error.store;
  if (isRedisConnectionError(error)) return 'redis';
  return undefined;
}

/** What an HTTP client should wait before retrying a request that failed on an unreachable store. */
export const STORE_RETRY_AFTER_SECONDS = 5;
