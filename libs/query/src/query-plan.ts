import type { CompiledQuery } from './contracts';
import type { FieldName } from './field-access';
import type { RowPredicate } from './filters';
import type { SortSpec } from './sort';

export interface TimeRange {
  readonly field: FieldName;
  /** inclusive bounds in epoch seconds */
  readonly startSeconds?: number;
  readonly endSeconds?: number;
  /** keep rows no older than this many seconds before `now` */
  readonly withinSeconds?: number;
}

/** Everything `applyQuery` needs, prepared once by `compileQuery`. */
export interface QueryPlan {
  readonly filter?: RowPredicate;
  /** a field `filter` needs one of these texts in: with a memo, only the rows the field's index lists are tested */
  readonly filterIndex?: { readonly field: FieldName; readonly texts: readonly string[] };
  /** lowercase needle */
  readonly search?: string;
  readonly timeRange?: TimeRange;
  readonly dedupeFields?: readonly FieldName[];
  readonly sort?: SortSpec;
  readonly page: number;
  /** undefined: one page with every row */
  readonly pageSize?: number;
  /** canonical form of what selects the rows (filters, search, time range, dedupe): equal keys, equal matches */
  readonly matchKey: string;
  /** canonical form of `sort` */
  readonly sortKey?: string;
}

/** The CompiledQuery that compileQuery hands out: the contract plus its plan. */
export class CompiledPipeQuery implements CompiledQuery {
  constructor(
    readonly key: string,
    readonly params: Readonly<Record<string, unknown>>,
    readonly plan: QueryPlan,
  ) {}
}

export function planOf(query: CompiledQuery): QueryPlan {
  if (query instanceof CompiledPipeQuery) return query.plan;
  throw new TypeError('applyQuery needs a query made by compileQuery');
}
