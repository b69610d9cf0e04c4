/**
 * Work shared by the queries of one render pass (`QueryMemo`, passed to `applyQuery`). The realtime hub renders every
 * view of a feed from the same snapshot, and views often differ only in what follows the match: the pages of one
 * filter, or one filter under several sorts. Within a pass, each distinct match of a snapshot (filters, search, time
 * range, dedupe) is computed once, each distinct order of it once, as the longest sorted prefix asked for so far, and
 * each row's sort key for a field once, whichever orders need it.
 *
 * It assumes what the search haystacks assume: a snapshot is not mutated in place while it is being rendered. Entries
 * per snapshot are capped; past the cap a query is computed without being kept.
 */
import type { FieldName } from './field-access';
import { sortColumn, type SortColumn } from './sort';
import { TextIndex } from './text-index';

export const MAX_MEMO_ENTRIES = 256;

/** matching positions, or ALL_ROWS when the query keeps every row */
export const ALL_ROWS = null;
export type Matches = number[] | typeof ALL_ROWS;

interface SortedPrefix {
  /** the first positions of the match in sorted order */
  readonly positions: number[];
  /** the match's size: a prefix this long is the whole order */
  readonly count: number;
}

export class SnapshotMemo {
  private readonly matches = new Map<string, Matches>();
  private readonly orders = new Map<string, SortedPrefix>();
  private readonly columns = new Map<string, SortColumn>();
  private searchHaystacks?: Array<string | undefined>;
  /** null: one text filter on the field so far */
  private readonly textIndexes = new Map<string, TextIndex | null>();

  constructor(private readonly rows: readonly unknown[]) {}

  /** The sort keys of `field` for this snapshot's rows (`SortColumn`), shared by every order that sorts by it. */
  sortColumn(field: FieldName): SortColumn | undefined {
    let column = this.columns.get(field.name);
    if (column === undefined && this.columns.size < MAX_MEMO_ENTRIES) this.columns.set(field.name, (column = sortColumn(this.rows, field)));
    return column;
  }

  /**
   * The rows grouped by `field`'s text (`TextIndex`), shared by the text filters on it. Undefined for the first such
   * filter of the pass (one scan with the filter costs less than building the index) and past the entry cap.
   */
  textIndex(field: FieldName): TextIndex | undefined {
    const known = this.textIndexes.get(field.name);
    if (known) return known;
    if (known === null) {
      const index = new TextIndex(this.rows, field);
      this.textIndexes.set(field.name, index);
      return index;
    }
    if (this.textIndexes.size < MAX_MEMO_ENTRIES) this.textIndexes.set(field.name, null);
    return undefined;
  }

  /** The rows' search haystacks, built as searches need them and shared by every search of the pass. */
  haystacks(): Array<string | undefined> {
    return (this.searchHaystacks ??= new Array<string | undefined>(this.rows.length));
  }

  /** The match of `key`, computed by `compute` unless known. */
  match(key: string, compute: () => Matches): Matches {
    const known = this.matches.get(key);
    if (known !== undefined) return known;
    const matches = compute();
    if (this.matches.size < MAX_MEMO_ENTRIES) this.matches.set(key, matches);
    return matches;
  }

  /**
   * At least the first `limit` positions of the match `key` in the order `sortKey` (all of them when it has fewer),
   * computed by `sort(limit)` unless a long enough prefix is known. Callers read the positions and never change them.
   */
  sorted(key: string, sortKey: string, count: number, limit: number, sort: (limit: number) => number[]): number[] {
    const orderKey = `${key}\n${sortKey}`;
    const known = this.orders.get(orderKey);
    if (known !== undefined && (known.positions.length >= limit || known.positions.length === known.count)) return known.positions;
    const positions = sort(limit);
    if (known !== undefined || this.orders.size < MAX_MEMO_ENTRIES) this.orders.set(orderKey, { positions, count });
    return positions;
  }
}

/**
 * What one render pass shares between its queries: a `SnapshotMemo` per rows array. Create one per pass (the hub: per
 * refresh of a feed) and let it go with the pass; a query applied without one computes everything itself.
 */
export class QueryMemo {
  private readonly bySnapshot = new WeakMap<readonly unknown[], { length: number; memo: SnapshotMemo }>();

  /** The memo of a snapshot; a length change means the array was mutated after all, and starts it over. */
  for(rows: readonly unknown[]): SnapshotMemo {
    let entry = this.bySnapshot.get(rows);
    if (entry === undefined || entry.length !== rows.length) {
      entry = { length: rows.length, memo: new SnapshotMemo(rows) };
      this.bySnapshot.set(rows, entry);
    }
    return entry.memo;
  }
}
