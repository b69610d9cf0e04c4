/**
 * `search`: case-insensitive substring match over a row's string values — top-level strings, and
 * the strings in its top-level lists, including the string fields of object elements (one level,
 * like the nested filter fallback). Numbers and objects directly on the row (e.g. `raw` payloads)
 * are not searched.
 */
import { isObjectRow, type Row } from './field-access';

/** Joins values so that a needle never matches across two of them. */
const SEPARATOR = '\u0000';

function appendListStrings(parts: string[], list: readonly unknown[]): void {
  for (let i = 0; i < list.length; i++) {
    const element = list[i];
    if (typeof element === 'string') parts.push(element);
    else if (isObjectRow(element)) {
      for (const key in element) {
        const value = element[key];
        if (typeof value === 'string') parts.push(value);
      }
    }
  }
}

/** The lowercase text a search runs over. */
export function searchHaystack(row: Row): string {
  const parts: string[] = [];
  for (const key in row) {
    const value = row[key];
    if (typeof value === 'string') parts.push(value);
    else if (Array.isArray(value)) appendListStrings(parts, value);
  }
  return parts.join(SEPARATOR).toLowerCase();
}

/**
 * Haystacks per rows array, built lazily and kept while the array lives: the realtime hub applies
 * many subscribers' queries to the same snapshot, and building haystacks dominates a search.
 * Assumes snapshots are not mutated in place (a new upstream fetch yields a new array).
 */
const haystacksBySnapshot = new WeakMap<readonly unknown[], Array<string | undefined>>();

export function haystackCacheFor(rows: readonly unknown[]): Array<string | undefined> {
  let haystacks = haystacksBySnapshot.get(rows);
  // a length change means the array was mutated after all: start over rather than misalign
  if (haystacks === undefined || haystacks.length !== rows.length) {
    haystacks = new Array<string | undefined>(rows.length);
    haystacksBySnapshot.set(rows, haystacks);
  }
  return haystacks;
}
