import { PGlite, types, type PGliteOptions } from '@electric-sql/pglite';

/**
 * Postgres settings of the embedded store, given as `-c` start parameters (they win over the data directory's
 * postgresql.conf, which stays untouched). They size memory only; durability is PGlite's own start parameters,
 * kept as they are, and the WAL settings (`wal_level`, `synchronous_commit`, `full_page_writes`) stay at their
 * defaults.
 *
 * Postgres' default of 128 MB of shared buffers is sized for a server. PGlite keeps them inside its WASM heap,
 * which never shrinks, and they are resident from the start (measured: PGlite alone on a reopened directory idles
 * at about 310 MB RSS with them, 160 MB with 16 MB). The gateway's tables are a few MB and its queries are
 * single-row writes and small indexed reads, so 16 MB of buffers still keeps them cached. (`max_connections` and
 * the replication slots would save another 6 MB: not worth a setting.)
 */
export const EMBEDDED_POSTGRES_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: '16MB',
};

// Behave like node-postgres so the same code works on both backends:
// int8 (bigint, count(*)) comes back as a string, where PGlite would give a number or a BigInt;
// a string bound to a json/jsonb parameter is sent as it is, where PGlite would JSON-encode it a second time.
const sendJson = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
const PG_COMPATIBLE_PARSERS = { [types.INT8]: (value: string) => value };
const PG_COMPATIBLE_SERIALIZERS = { [types.JSON]: sendJson, [types.JSONB]: sendJson };

/** PGlite's default start parameters (single-user mode, its fsync setting) followed by our settings. */
export function embeddedStartParams(): string[] {
  const ours = Object.entries(EMBEDDED_POSTGRES_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
  return [...PGlite.defaultStartParams, ...ours];
}

/** Everything `PGlite.create` gets besides the data directory. */
export function embeddedPgliteOptions(): PGliteOptions {
  return { parsers: PG_COMPATIBLE_PARSERS, serializers: PG_COMPATIBLE_SERIALIZERS, startParams: embeddedStartParams() };
}
