import { isObjectRow, MISSING, readField, type FieldName } from './field-access';

/** Starts every composed identity, so none equals a plain string value. */
const COMPOSED = '\u0001';

/** An identity a Set can compare: primitives as they are, anything else as tagged text. */
function identityOf(values: readonly unknown[]): unknown {
  if (values.length === 1) {
    const value = values[0];
    if (typeof value !== 'object' || value === null) return value;
  }
  // the type tag keeps 1 and "1" apart, as a Set does for a single field
  const parts = values.map((value) =>
    value === MISSING ? 'missing' : typeof value === 'object' ? `json:${JSON.stringify(value)}` : `${typeof value}:${String(value)}`,
  );
  return COMPOSED + parts.join(COMPOSED);
}

/**
 * `dedupe_key=field[,field...]`: keeps the first row (in input order) for each distinct
 * combination of the values of those fields. Values compare exactly (case-sensitive, 1 ≠ "1");
 * a missing field counts as one more value. Runs after filters, search and time range, before
 * sorting and pagination, so `count` is the number of distinct matches.
 */
export function dedupePositions(rows: readonly unknown[], positions: readonly number[], fields: readonly FieldName[]): number[] {
  const seen = new Set<unknown>();
  const kept: number[] = [];
  for (const position of positions) {
    const row = rows[position];
    const identity = identityOf(fields.map((field) => (isObjectRow(row) ? readField(row, field) : MISSING)));
    if (seen.has(identity)) continue;
    seen.add(identity);
    kept.push(position);
  }
  return kept;
}
