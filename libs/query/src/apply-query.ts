import type { CompiledQuery, QueryResult } from './contracts';
import { dedupePositions } from './dedupe';
import { isObjectRow } from './field-access';
import type { RowPredicate } from './filters';
import { planOf, type QueryPlan } from './query-plan';
import { haystackCacheFor, searchHaystack } from './search';
import { ALL_ROWS, type Matches, type QueryMemo, type SnapshotMemo } from './snapshot-memo';
import { sortPositions } from './sort';
import { timeRangePredicate } from './time-range';

/** Indices of the rows passing time range, filters and search, in input order; undefined = all rows. */
function matchingPositions(rows: readonly unknown[], plan: QueryPlan, now: number, shared?: SnapshotMemo): number[] | undefined {
  const { filter, search } = plan;
  const inTimeRange: RowPredicate | undefined = plan.timeRange && timeRangePredicate(plan.timeRange, now);
  if (!filter && search === undefined && !inTimeRange) return undefined;

  const haystacks = search === undefined ? undefined : shared ? shared.haystacks() : haystackCacheFor(rows);
  // with a memo, a filter that needs one of a few texts in a field only tests the rows its index lists there
  const candidates = plan.filterIndex && shared?.textIndex(plan.filterIndex.field)?.candidates(plan.filterIndex.texts);
  const count = candidates ? candidates.length : rows.length;
  const positions: number[] = [];
  for (let c = 0; c < count; c++) {
    const i = candidates ? candidates[c] : c;
    const row = rows[i];
    if (!isObjectRow(row)) continue;
    // cheapest tests first: search may have to build the row's haystack
    if (inTimeRange && !inTimeRange(row)) continue;
    if (filter && !filter(row)) continue;
    if (haystacks !== undefined) {
      let haystack = haystacks[i];
      if (haystack === undefined) haystack = haystacks[i] = searchHaystack(row);
      if (!haystack.includes(search as string)) continue;
    }
    positions.push(i);
  }
  return positions;
}

function allPositions(count: number): number[] {
  const positions = new Array<number>(count);
  for (let i = 0; i < count; i++) positions[i] = i;
  return positions;
}

/** Time range, filters, search and dedupe: the positions of the matching rows, or ALL_ROWS. */
function matches(rows: readonly unknown[], plan: QueryPlan, now: number, shared?: SnapshotMemo): Matches {
  let positions = matchingPositions(rows, plan, now, shared);
  if (plan.dedupeFields) positions = dedupePositions(rows, positions ?? allPositions(rows.length), plan.dedupeFields);
  return positions ?? ALL_ROWS;
}

/**
 * Applies a compiled query: time range, filters and search, then dedupe, then sort, then the page.
 * Never mutates `rows`; `count` is the number of matches before pagination.
 * `now` (epoch ms) anchors `timeframe`.
 * With a `memo` (one per render pass), the match and the sorted order are shared with the pass's other queries on the
 * same snapshot that have the same match (and sort).
 */
export function applyQuery<T>(rows: readonly T[], query: CompiledQuery, now: number = Date.now(), memo?: QueryMemo): QueryResult<T> {
  const plan = planOf(query);
  const shared = memo?.for(rows);
  // a `timeframe` counts back from now: its match is only shared with queries at the same instant
  const matchKey = plan.timeRange?.withinSeconds === undefined ? plan.matchKey : `${plan.matchKey}@${now}`;
  let positions: Matches = shared ? shared.match(matchKey, () => matches(rows, plan, now, shared)) : matches(rows, plan, now);

  const count = positions ? positions.length : rows.length;
  const start = plan.pageSize === undefined ? 0 : (plan.page - 1) * plan.pageSize;
  const end = plan.pageSize === undefined ? count : Math.min(start + plan.pageSize, count);
  if (start >= end) return { rows: [], count };

  const sort = plan.sort;
  if (sort) {
    const from = positions;
    const sortTo = (limit: number) => sortPositions(rows, from ?? allPositions(rows.length), sort, limit, shared?.sortColumn(sort.field));
    positions = shared ? shared.sorted(matchKey, plan.sortKey!, count, end, sortTo) : sortTo(end);
  }
  if (!positions) return { rows: rows.slice(start, end), count };
  const page = new Array<T>(end - start);
  for (let i = start; i < end; i++) page[i - start] = rows[positions[i]];
  return { rows: page, count };
}
