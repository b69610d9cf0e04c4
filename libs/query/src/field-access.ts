/**
 * Field lookup shared by filters, sort, dedupe and time ranges. Clients spell field names loosely
 * (seed examples use both "Title" and "symbol"), so an exact key wins and a case-insensitive key
 * match is the fallback. Field names come from clients: only the row's own properties are ever read, so a name
 * like `constructor` or `__proto__` finds nothing rather than Object.prototype's members.
 */

export type Row = Record<string, unknown>;

/** Marks "the row has no such field", as distinct from a field holding null. */
export const MISSING: unique symbol = Symbol('missing');

export function isObjectRow(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A field name with its lowercase form precomputed once at compile time. */
export interface FieldName {
  readonly name: string;
  readonly lower: string;
}

export function fieldName(name: string): FieldName {
  return { name, lower: name.toLowerCase() };
}

/** The row's own `field`, else its own key equal ignoring case, else MISSING (undefined counts as missing). */
export function readField(row: Row, field: FieldName): unknown {
  const exact = row[field.name];
  // the own-property test only runs on a hit, which keeps the common paths as fast as a plain read
  if (exact !== undefined && Object.hasOwn(row, field.name)) return exact;
  const length = field.name.length;
  for (const key in row) {
    // comparing lengths first keeps the miss path free of string allocations
    if (key.length === length && key.toLowerCase() === field.lower && Object.hasOwn(row, key)) {
      const value = row[key];
      if (value !== undefined) return value;
    }
  }
  return MISSING;
}

/**
 * Calls `visit` with each object element of the row's array-valued fields (one level deep, e.g.
 * the `chains` of a distribution row) until it returns true; reports whether one did.
 */
export function someNestedObject(row: Row, visit: (element: Row) => boolean): boolean {
  for (const key in row) {
    const value = row[key];
    if (!Array.isArray(value)) continue;
    for (let i = 0; i < value.length; i++) {
      const element: unknown = value[i];
      if (isObjectRow(element) && visit(element)) return true;
    }
  }
  return false;
}
