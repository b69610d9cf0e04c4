/**
 * The filter-pipe operation done with nodejs-polars, on the hub's path: the rows arrive as fresh JS objects every
 * refresh, so each call builds its DataFrame from them, and the page leaves as JS objects ready to be serialised.
 * Same semantics as our pipe and pandas_pipe.py: numeric comparison, case-insensitive "any of", case-insensitive
 * substring search over the string columns, numeric sort of a formatted column (nulls last, stable), one page.
 */
import pl from 'nodejs-polars';
import type { MarketRow } from './dataset';

export interface PolarsSpec {
  min_market_cap: number;
  chains?: string[];
  search?: string;
  sort_by: string;
  descending: boolean;
  page: number;
  page_size: number;
}

/** The string columns a search runs over (every string field of a row; numbers are not searched). */
const STRING_COLUMNS = ['name', 'symbol', 'volume_24h', 'change_24h', 'chain', 'category'] as const;
// currency symbols, thousands commas, "%" and a trailing unit word, as pandas_pipe.py strips them
const FORMATTING = String.raw`[$€£¥,%]|\s+[A-Za-z]+\s*$`;
const SORT_KEY = '__sort_key';

/**
 * The fastest way we found to turn JS rows into a DataFrame: one typed Series per column (4-5x quicker than
 * `pl.DataFrame(rows)`, about 3x `pl.readRecords`, measured here), so polars is measured at its best on the hub's path.
 */
export function polarsFrame(rows: MarketRow[]): pl.DataFrame {
  const columns = (Object.keys(rows[0] ?? {}) as Array<keyof MarketRow>).map((name) => {
    const values = rows.map((row) => row[name]);
    return typeof values[0] === 'number' ? pl.Series(name, Float64Array.from(values as number[])) : pl.Series(name, values as string[], pl.Utf8);
  });
  return pl.DataFrame(columns);
}

/** The hub's path: a DataFrame from this refresh's rows, then the page. */
export function polarsPage(rows: MarketRow[], spec: PolarsSpec): { count: number; rows: Record<string, unknown>[] } {
  return polarsPageOf(polarsFrame(rows), spec);
}

/** The operation alone, on a DataFrame built beforehand (polars' best case, not what the hub can do). */
export function polarsPageOf(frame: pl.DataFrame, spec: PolarsSpec): { count: number; rows: Record<string, unknown>[] } {
  // staged like pandas_pipe.py: the cheap numeric filter first, the string work only on the rows left
  let matched = frame.filter(pl.col('market_cap').gt(spec.min_market_cap));
  if (spec.chains?.length) matched = matched.filter(pl.col('chain').str.toLowerCase().isIn(spec.chains.map((chain) => chain.toLowerCase())));
  if (spec.search) {
    const needle = spec.search.toLowerCase();
    matched = matched.filter(pl.anyHorizontal(STRING_COLUMNS.map((column) => pl.col(column).str.toLowerCase().str.contains(needle, true))));
  }
  const start = (spec.page - 1) * spec.page_size;
  const page = matched
    .lazy()
    .withColumns(pl.col(spec.sort_by).str.replaceAll(FORMATTING, '').str.strip().cast(pl.Float64, false).alias(SORT_KEY))
    .sort({ by: SORT_KEY, descending: spec.descending, nullsLast: true, maintainOrder: true })
    .slice(start, spec.page_size)
    .drop(SORT_KEY)
    .collectSync();
  return { count: matched.height, rows: page.toRecords() };
}
