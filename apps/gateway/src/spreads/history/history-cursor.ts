/**
 * The history keyset cursor. `meta.next_before` is the seed's integer unix timestamp (seconds): a page always ends
 * at a second boundary, so "strictly older than that second" resumes exactly where the page stopped. `before` also
 * accepts a timestamp in milliseconds (recognised by size), a fractional second, and the composite cursor
 * `<fired_at_ms>_<id>` that earlier versions returned (rows are ordered by (fired_at_ms, id), a total order).
 */
export type HistoryCursor = { kind: 'row'; firedAtMs: number; id: number } | { kind: 'time'; beforeMs: number };

/** 9999-12-31T23:59:59.999Z: later instants are refused rather than overflowing the bigint column. */
export const MAX_TIMESTAMP_MS = 253_402_300_799_999;
export const TIMESTAMP_FORMS = 'seconds or milliseconds, before the year 10000';

// bounded repetitions, no nested quantifiers: linear, and short enough that Number() is exact
const ROW_CURSOR = /^(\d{1,15})_(\d{1,15})$/;
const TIMESTAMP = /^\d{1,15}(\.\d{1,6})?$/;

export function parseBefore(raw: string): HistoryCursor | undefined {
  const row = ROW_CURSOR.exec(raw);
  if (row) {
    const firedAtMs = Number(row[1]);
    return firedAtMs <= MAX_TIMESTAMP_MS ? { kind: 'row', firedAtMs, id: Number(row[2]) } : undefined;
  }
  const beforeMs = parseTimestampMs(raw);
  return beforeMs === undefined ? undefined : { kind: 'time', beforeMs };
}

/** A non-negative unix timestamp (seconds, possibly fractional, or milliseconds) in epoch ms; undefined when malformed or out of range. */
export function parseTimestampMs(raw: string): number | undefined {
  if (!TIMESTAMP.test(raw)) return undefined;
  const ms = toMs(Number(raw));
  return ms <= MAX_TIMESTAMP_MS ? ms : undefined;
}

/** Unix seconds (possibly fractional) or, when too large to be seconds, milliseconds. */
export function toMs(timestamp: number): number {
  return timestamp >= 1e11 ? Math.floor(timestamp) : Math.round(timestamp * 1000);
}
