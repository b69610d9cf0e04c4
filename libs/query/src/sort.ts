/**
 * `sort_by` / `sort_order`, numeric-aware and stable.
 *
 * Each value gets a kind, and kinds always come in this order whatever the direction:
 *   numbers (incl. numeric strings such as "$2,345,678,901", "52.34 %", "1,234 USD"),
 *   other strings (case-insensitive), then missing / null / unsortable values.
 * So a numeric column with a stray "N/A" keeps its numbers first in both directions, and missing
 * values are always last. Ties keep input order (the row index is the final tie-breaker).
 *
 * Keys are computed once per matched row into typed arrays; the comparator only reads them. One page
 * of many matches takes a bounded heap; a full sort of numeric keys takes a radix sort.
 */
import { isObjectRow, MISSING, readField, type FieldName } from './field-access';
import { parseNumericString } from './numeric';
import { radixOrder } from './radix-order';

export interface SortSpec {
  readonly field: FieldName;
  readonly descending: boolean;
}

const KIND_NUMBER = 0;
const KIND_STRING = 1;
const KIND_MISSING = 2;

/** Below this share of the matches, a bounded heap beats sorting everything for one page. */
const PARTIAL_SORT_RATIO = 0.25;

/** Below this, a comparator sort is as fast as setting up radix buckets. */
const RADIX_MIN_COUNT = 1024;

type Compare = (a: number, b: number) => number;

interface SortKeys {
  readonly kinds: Uint8Array;
  readonly numbers: Float64Array;
  readonly strings: Array<string | undefined>;
  readonly allNumeric: boolean;
}

/**
 * The sort keys of one field for every row of a snapshot, by row position: the views of one refresh often sort
 * overlapping matches by the same field (each chain's rows by volume, then every category's), and parsing
 * "$1,234,567" once per row and field is the bulk of building keys. Built in one pass over the snapshot the first
 * time an order needs it: as cheap per row as building the keys of one match, and no per-row check afterwards.
 */
export interface SortColumn {
  readonly kinds: Uint8Array;
  readonly numbers: Float64Array;
  readonly strings: Array<string | undefined>;
  /** every row's key is a number: every subset sorts by number alone */
  readonly allNumeric: boolean;
}

/** Key arrays being filled; `strings` is only allocated once a key is a string (most sort fields are numbers). */
interface KeyArrays {
  kinds: Uint8Array;
  numbers: Float64Array;
  strings: Array<string | undefined>;
}

const NO_STRINGS: Array<string | undefined> = Object.freeze([]) as unknown as Array<string | undefined>;

function keyArrays(size: number): KeyArrays {
  return { kinds: new Uint8Array(size), numbers: new Float64Array(size), strings: NO_STRINGS };
}

function stringKey(keys: KeyArrays, at: number, text: string): number {
  if (keys.strings === NO_STRINGS) keys.strings = new Array<string | undefined>(keys.kinds.length);
  keys.strings[at] = text;
  return (keys.kinds[at] = KIND_STRING);
}

export function sortColumn(rows: readonly unknown[], field: FieldName): SortColumn {
  const size = rows.length;
  const keys = keyArrays(size);
  let allNumeric = true;
  for (let i = 0; i < size; i++) if (keyInto(rows[i], field, keys, i) !== KIND_NUMBER) allNumeric = false;
  return { ...keys, allNumeric };
}

/** Writes the key of `row`'s field into `keys` at `at` and returns its kind. */
function keyInto(row: unknown, field: FieldName, keys: KeyArrays, at: number): number {
  const value = isObjectRow(row) ? readField(row, field) : MISSING;
  let numeric = NaN;
  if (typeof value === 'number') numeric = value;
  else if (typeof value === 'string') {
    numeric = parseNumericString(value);
    if (Number.isNaN(numeric)) return stringKey(keys, at, value.toLowerCase());
  } else if (typeof value === 'boolean') {
    return stringKey(keys, at, String(value));
  }
  if (Number.isNaN(numeric)) return (keys.kinds[at] = KIND_MISSING);
  keys.numbers[at] = numeric;
  return (keys.kinds[at] = KIND_NUMBER);
}

function computeKeys(rows: readonly unknown[], positions: ArrayLike<number>, field: FieldName): SortKeys {
  const count = positions.length;
  const keys = keyArrays(count);
  let allNumeric = true;
  for (let i = 0; i < count; i++) if (keyInto(rows[positions[i]], field, keys, i) !== KIND_NUMBER) allNumeric = false;
  return { ...keys, allNumeric };
}

/** The column's keys, to sort `positions` themselves by. */
function columnKeys(positions: ArrayLike<number>, column: SortColumn): SortKeys {
  if (column.allNumeric) return column;
  const kinds = column.kinds;
  for (let i = 0; i < positions.length; i++) if (kinds[positions[i]] !== KIND_NUMBER) return { ...column, allNumeric: false };
  return { ...column, allNumeric: true };
}

/** Not `a - b`: that is NaN for two equal infinities. */
function compareNumbers(left: number, right: number, direction: number): number {
  if (left < right) return -direction;
  return left > right ? direction : 0;
}

/** Compares two key slots (indices into `keys`, which follow input order, so a - b keeps ties stable). */
function comparator(keys: SortKeys, descending: boolean): Compare {
  const { kinds, numbers, strings } = keys;
  const direction = descending ? -1 : 1;
  if (keys.allNumeric) {
    return (a, b) => compareNumbers(numbers[a], numbers[b], direction) || a - b;
  }
  return (a, b) => {
    const kindA = kinds[a];
    const kindB = kinds[b];
    if (kindA !== kindB) return kindA - kindB;
    if (kindA === KIND_NUMBER) {
      const order = compareNumbers(numbers[a], numbers[b], direction);
      if (order !== 0) return order;
    } else if (kindA === KIND_STRING) {
      const left = strings[a] as string;
      const right = strings[b] as string;
      if (left !== right) return (left < right ? -1 : 1) * direction;
    }
    return a - b;
  };
}

function siftDown(heap: number[], start: number, compare: Compare): void {
  const size = heap.length;
  let parent = start;
  for (;;) {
    const left = 2 * parent + 1;
    if (left >= size) return;
    const right = left + 1;
    const larger = right < size && compare(heap[right], heap[left]) > 0 ? right : left;
    if (compare(heap[larger], heap[parent]) <= 0) return;
    const swapped = heap[parent];
    heap[parent] = heap[larger];
    heap[larger] = swapped;
    parent = larger;
  }
}

/**
 * The `limit` first of `count` key slots in sorted order, via a max-heap of the best so far: O(n log limit). The slots
 * are `candidates` (ascending) when given, else 0 … count - 1.
 */
function firstSorted(count: number, limit: number, compare: Compare, candidates?: ArrayLike<number>): number[] {
  const heap: number[] = [];
  for (let i = 0; i < limit; i++) heap.push(candidates === undefined ? i : candidates[i]);
  for (let i = (limit >> 1) - 1; i >= 0; i--) siftDown(heap, i, compare);
  for (let i = limit; i < count; i++) {
    const candidate = candidates === undefined ? i : candidates[i];
    if (compare(candidate, heap[0]) < 0) {
      heap[0] = candidate;
      siftDown(heap, 0, compare);
    }
  }
  return heap.sort(compare);
}

/**
 * `firstSorted` for keys that are all numbers, without a comparator call per step: the candidates' keys are copied
 * into one array, negated for a descending order (so smaller is always better; -0 and 0 still tie), and a heap of
 * indices into it (ties: the lower index, which is input order) keeps the `limit` best. Then heapsort in place.
 */
function firstSortedNumbers(numbers: Float64Array, count: number, limit: number, descending: boolean, candidates?: ArrayLike<number>): number[] {
  const keys = scratchKeys(count);
  for (let i = 0; i < count; i++) {
    const value = numbers[candidates === undefined ? i : candidates[i]];
    keys[i] = descending ? -value : value;
  }
  // max-heap on (key, index): the root is the worst of the best so far
  const heap = scratchHeap(limit);
  for (let i = 0; i < limit; i++) heap[i] = i;
  for (let i = (limit >> 1) - 1; i >= 0; i--) siftDownNumbers(heap, limit, i, keys);
  for (let i = limit; i < count; i++) {
    const root = heap[0];
    // i is later than every index in the heap: it only wins with a strictly smaller key
    if (keys[i] < keys[root]) {
      heap[0] = i;
      siftDownNumbers(heap, limit, 0, keys);
    }
  }
  for (let end = limit - 1; end > 0; end--) {
    const worst = heap[0];
    heap[0] = heap[end];
    heap[end] = worst;
    siftDownNumbers(heap, end, 0, keys);
  }
  const sorted = new Array<number>(limit);
  for (let i = 0; i < limit; i++) sorted[i] = candidates === undefined ? heap[i] : candidates[heap[i]];
  return sorted;
}

/**
 * Scratch arrays of `firstSortedNumbers`, reused from call to call (it never runs inside itself): a render pass sorts
 * dozens of small candidate sets, and a fresh typed array each time is an off-heap allocation the GC must track.
 */
let keysScratch = new Float64Array(1024);
let heapScratch = new Int32Array(256);

function scratchKeys(count: number): Float64Array {
  if (keysScratch.length < count) keysScratch = new Float64Array(Math.max(count, keysScratch.length * 2));
  return keysScratch;
}

function scratchHeap(limit: number): Int32Array {
  if (heapScratch.length < limit) heapScratch = new Int32Array(Math.max(limit, heapScratch.length * 2));
  return heapScratch;
}

/** Whether index `a` (key `keys[a]`) sorts after index `b`. */
function after(keys: Float64Array, a: number, b: number): boolean {
  const left = keys[a];
  const right = keys[b];
  return left > right || (left === right && a > b);
}

function siftDownNumbers(heap: Int32Array, size: number, start: number, keys: Float64Array): void {
  let parent = start;
  for (;;) {
    const left = 2 * parent + 1;
    if (left >= size) return;
    const right = left + 1;
    const larger = right < size && after(keys, heap[right], heap[left]) ? right : left;
    if (!after(keys, heap[larger], heap[parent])) return;
    const swapped = heap[parent];
    heap[parent] = heap[larger];
    heap[larger] = swapped;
    parent = larger;
  }
}

/**
 * `count` key slots (`candidates`, ascending, when given, else 0 … count - 1): numbers by value (radix when many), then
 * strings, then missing values in order.
 */
function allSorted(count: number, keys: SortKeys, compare: Compare, descending: boolean, candidates?: ArrayLike<number>): number[] {
  const numberSlots: number[] = [];
  const stringSlots: number[] = [];
  const missingSlots: number[] = [];
  const { kinds, numbers } = keys;
  for (let i = 0; i < count; i++) {
    const slot = candidates === undefined ? i : candidates[i];
    const kind = kinds[slot];
    if (kind === KIND_NUMBER) numberSlots.push(slot);
    else if (kind === KIND_STRING) stringSlots.push(slot);
    else missingSlots.push(slot);
  }
  const sorted: number[] = [];
  if (numberSlots.length >= RADIX_MIN_COUNT) {
    const values = new Float64Array(numberSlots.length);
    for (let i = 0; i < numberSlots.length; i++) values[i] = numbers[numberSlots[i]];
    const order = radixOrder(values, descending);
    for (let i = 0; i < order.length; i++) sorted.push(numberSlots[order[i]]);
  } else {
    for (const slot of numberSlots.sort(compare)) sorted.push(slot);
  }
  for (const slot of stringSlots.sort(compare)) sorted.push(slot);
  for (const slot of missingSlots) sorted.push(slot);
  return sorted;
}

/**
 * Sorts `positions` (row indices) by the spec and returns the first `limit` of them
 * (all when limit is undefined). The comparator is a strict total order, so a partial sort
 * returns exactly the prefix a full sort would. With a `column` (the snapshot's keys of `spec.field`), keys computed by
 * an earlier order of the same snapshot are reused and new ones kept; `positions` must then be ascending, as every
 * match is.
 */
export function sortPositions(
  rows: readonly unknown[],
  positions: ArrayLike<number>,
  spec: SortSpec,
  limit?: number,
  column?: SortColumn,
): number[] {
  const count = positions.length;
  const wanted = limit === undefined ? count : Math.min(limit, count);
  if (wanted === 0) return [];
  // with a column, keys are by row position and the positions (ascending, so a - b still keeps input order) are sorted
  // themselves; without one, keys are by slot 0 … count - 1 and the slots map back to positions
  const keys = column ? columnKeys(positions, column) : computeKeys(rows, positions, spec.field);
  const candidates = column ? positions : undefined;
  const compare = comparator(keys, spec.descending);
  const partial = wanted < count * PARTIAL_SORT_RATIO;
  let ordered: number[];
  if (partial && keys.allNumeric) ordered = firstSortedNumbers(keys.numbers, count, wanted, spec.descending, candidates);
  else if (partial) ordered = firstSorted(count, wanted, compare, candidates);
  else ordered = allSorted(count, keys, compare, spec.descending, candidates);
  if (candidates) return ordered.length > wanted ? ordered.slice(0, wanted) : ordered;
  const sorted = new Array<number>(wanted);
  for (let i = 0; i < wanted; i++) sorted[i] = positions[ordered[i]];
  return sorted;
}
