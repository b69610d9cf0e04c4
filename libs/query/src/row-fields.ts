/**
 * The fields a stream's rows have, so that a client naming a field the rows lack (in `filters`, `sort_by`,
 * `time_field` or `dedupe_key`) gets an error instead of a silently empty or unsorted view.
 *
 * Declared as paths: `stablecoin` for a top-level field, `chains[].chain` for a field of the object elements of
 * a list field (the nested filter fallback, see filters.ts). Clients name nested fields by their own name
 * (`{"chain": "tron"}`), and field names match case-insensitively, as field-access does.
 */
import { isReservedName, QUERY_LIMITS, quoteClipped } from './limits';
import type { ParamProblems } from './params';

type Keys<T> = Extract<keyof T, string>;
type ListElement<V> = V extends readonly (infer E)[] ? E : never;
type FieldEntry<V> = [ListElement<NonNullable<V>>] extends [never]
  ? true
  : ListElement<NonNullable<V>> extends object
    ? RowFieldMap<ListElement<NonNullable<V>>>
    : true;

/**
 * Every field of a row type: `true`, or for a list of objects the map of its elements' fields, e.g.
 * `{ stablecoin: true, chains: { chain: true, usd: true } }`. Checked against the row type both ways (a field
 * left out, or one the row type lacks, is a compile error), so a stream's declared fields follow its rows.
 */
export type RowFieldMap<T> = { readonly [K in Keys<T>]-?: FieldEntry<T[K]> };

/** The field paths of a row type (`['stablecoin', 'chains', 'chains[].chain', ...]`) for `QueryOptions.rowFields`. */
export function rowFields<T>(map: RowFieldMap<T>): readonly string[] {
  const paths: string[] = [];
  for (const [name, entry] of Object.entries(map as Record<string, true | Record<string, unknown>>)) {
    paths.push(name);
    if (entry !== true) for (const nested of Object.keys(entry)) paths.push(`${name}[].${nested}`);
  }
  return paths;
}

/** At most this many unknown names are quoted in one message; the rest are counted. */
const NAMED_IN_MESSAGE = 3;
/** The list of a stream's fields is left out of messages beyond this length. */
const FIELD_LIST_IN_MESSAGE = 400;

/** A stream's field names, ready for case-insensitive lookups. */
export class KnownFields {
  private readonly names: ReadonlySet<string>;
  private readonly listing: string;

  constructor(readonly paths: readonly string[]) {
    const names = new Set<string>();
    for (const path of paths) {
      const nested = path.indexOf('[].');
      names.add((nested < 0 ? path : path.slice(nested + 3)).toLowerCase());
    }
    this.names = names;
    const listing = paths.join(', ');
    this.listing = listing.length <= FIELD_LIST_IN_MESSAGE ? listing : '';
  }

  has(name: string): boolean {
    return this.names.has(name.toLowerCase());
  }

  /** `unknown field "x"` / `unknown fields "x", "y", "z" and 4 more`, then (if asked and short) this stream's fields. */
  describeUnknown(unknown: readonly string[], listFields: boolean): string {
    const named = unknown.slice(0, NAMED_IN_MESSAGE).map((name) => quoteClipped(name)).join(', ');
    const more = unknown.length > NAMED_IN_MESSAGE ? ` and ${unknown.length - NAMED_IN_MESSAGE} more` : '';
    const fields = listFields && this.listing !== '' ? `; this stream's fields: ${this.listing}` : '';
    return `unknown field${unknown.length === 1 ? '' : 's'} ${named}${more}${fields}`;
  }
}

/** The field check of one query: the stream's fields, listed in the first unknown-field message only. */
export class FieldCheck {
  listed = false;
  constructor(readonly known: KnownFields | undefined) {}
}

const knownFieldsByPaths = new WeakMap<readonly string[], KnownFields>();

/** One KnownFields per declared list: built at the first subscription, not at every one. */
export function knownFieldsFor(paths: readonly string[] | undefined): KnownFields | undefined {
  if (paths === undefined) return undefined;
  let known = knownFieldsByPaths.get(paths);
  if (!known) knownFieldsByPaths.set(paths, (known = new KnownFields(paths)));
  return known;
}

/**
 * Checks client-named fields of one param: reserved names (`__proto__`, `constructor`, `prototype`), over-long
 * names and, when the stream declares its fields, names its rows lack. Adds at most one problem per kind;
 * reports whether every name is fine.
 */
export function checkFieldNames(names: readonly string[], param: string, problems: ParamProblems, check: FieldCheck): boolean {
  const known = check.known;
  const reserved: string[] = [];
  const unknown: string[] = [];
  let tooLong = 0;
  for (const name of names) {
    if (name.length > QUERY_LIMITS.maxFieldNameLength) tooLong++;
    else if (isReservedName(name)) reserved.push(name);
    else if (known && !known.has(name)) unknown.push(name);
  }
  if (tooLong > 0) problems.add(param, `a field name is longer than ${QUERY_LIMITS.maxFieldNameLength} characters`);
  if (reserved.length > 0) problems.add(param, `${quoteClipped(reserved[0])} is a reserved name, not a field`);
  if (unknown.length > 0 && known) {
    problems.add(param, known.describeUnknown(unknown, !check.listed));
    check.listed = true;
  }
  return tooLong === 0 && reserved.length === 0 && unknown.length === 0;
}
