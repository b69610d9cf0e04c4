/**
 * The history keyset cursor. Rows are ordered by (fired_at_ms, id), a total order, so a cursor
 * `<fired_at_ms>_<id>` (what `meta.next_before` returns) resumes exactly after the last row served, even
 * inside one second. The seed's form, a unix timestamp (seconds; milliseconds are recognised by size), is
 * still accepted and means "strictly older than that instant".
 */
export type HistoryCursor = { kind: 'row'; firedAtMs: number; id: number } | { kind: 'time'; beforeMs: number };

const ROW_CURSOR = /^(\d{1,16})_(\d{1,19})$/;

export function parseBefore(raw: string): HistoryCursor | undefined {
  const row = ROW_CURSOR.exec(raw);
  if (row) return { kind: 'row', firedAtMs: Number(row[1]), id: Number(row[2]) };
  if (!/^\d+(\.\d+)?$/.test(raw)) return undefined;
  return { kind: 'time', beforeMs: toMs(Number(raw)) };
}

export function formatCursor(firedAtMs: number, id: number): string {
  return `${firedAtMs}_${id}`;
}

/** Unix seconds (possibly fractional) or, when too large to be seconds, milliseconds. */
export function toMs(timestamp: number): number {
  return timestamp >= 1e11 ? Math.floor(timestamp) : Math.round(timestamp * 1000);
}
