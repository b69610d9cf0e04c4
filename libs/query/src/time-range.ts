import { readField } from './field-access';
import type { RowPredicate } from './filters';
import type { TimeRange } from './query-plan';
import { toEpochSeconds } from './time';

/**
 * The row test for start_time / end_time / timeframe, resolved against `now` (epoch ms).
 * Bounds are inclusive; `timeframe` only sets a lower bound, so rows stamped slightly in the
 * future (upstream clock skew) are kept. A row whose time field is missing or unparseable is dropped.
 */
export function timeRangePredicate(range: TimeRange, now: number): RowPredicate {
  const windowStart = range.withinSeconds === undefined ? -Infinity : now / 1000 - range.withinSeconds;
  const lower = Math.max(range.startSeconds ?? -Infinity, windowStart);
  const upper = range.endSeconds ?? Infinity;
  const field = range.field;
  return (row) => {
    const seconds = toEpochSeconds(readField(row, field));
    // NaN fails both comparisons
    return seconds >= lower && seconds <= upper;
  };
}
