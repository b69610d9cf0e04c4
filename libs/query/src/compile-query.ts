import { QueryValidationError, type CompiledQuery, type QueryOptions, type RawQuery } from './contracts';
import { fieldName } from './field-access';
import { compileFilters, type CompiledFilters } from './filters';
import { QUERY_LIMITS } from './limits';
import {
  FILTER_QUERY_PARAMS,
  ownParam,
  ParamProblems,
  readFieldList,
  readFilters,
  readPositiveInteger,
  readText,
  readTime,
  type TimeParam,
} from './params';
import { CompiledPipeQuery, type QueryPlan, type TimeRange } from './query-plan';
import { checkFieldNames, FieldCheck, knownFieldsFor } from './row-fields';
import { parseTimeframeSeconds } from './time';

export const DEFAULT_MAX_PAGE_SIZE = 500;
export const DEFAULT_TIME_FIELD = 'timestamp';

const KNOWN_PARAMS: ReadonlySet<string> = new Set(FILTER_QUERY_PARAMS);

type SortOrder = 'asc' | 'desc';

function readSortOrder(value: unknown, problems: ParamProblems): SortOrder | undefined {
  const text = readText(value, 'sort_order', problems, QUERY_LIMITS.maxKeywordLength)?.toLowerCase();
  if (text === undefined || text === 'asc' || text === 'desc') return text;
  return problems.add('sort_order', 'must be "asc" or "desc"');
}

function readTimeframe(value: unknown, problems: ParamProblems): { text: string; seconds: number } | undefined {
  const text = readText(value, 'timeframe', problems, QUERY_LIMITS.maxKeywordLength)?.toLowerCase();
  if (text === undefined) return undefined;
  const seconds = parseTimeframeSeconds(text);
  if (Number.isNaN(seconds)) return problems.add('timeframe', 'must be a positive duration like 30m, 24h, 7d, 2w or 1y');
  return { text, seconds };
}

function readFiltersCompiled(value: unknown, problems: ParamProblems, check: FieldCheck): (CompiledFilters & { given: object }) | undefined {
  const filters = readFilters(value, problems);
  if (filters === undefined) return undefined;
  if (!checkFieldNames([...filters.fields.keys()], 'filters', problems, check)) return undefined;
  const compiled = compileFilters(filters.fields);
  for (const message of compiled.problems) problems.add('filters', message);
  // JSON text was bounded before parsing; an update message's object is measured once it is known to be flat
  if (compiled.problems.length === 0 && !filters.fromText && JSON.stringify(filters.given).length > QUERY_LIMITS.maxFiltersLength) {
    return problems.add('filters', `must be at most ${QUERY_LIMITS.maxFiltersLength} characters of JSON`);
  }
  return { ...compiled, given: filters.given };
}

/** A single field name param (`sort_by`, `time_field`): bounded, not reserved, one of the stream's fields. */
function readFieldName(value: unknown, param: string, problems: ParamProblems, check: FieldCheck): string | undefined {
  const name = readText(value, param, problems, QUERY_LIMITS.maxFieldNameLength);
  if (name === undefined) return undefined;
  return checkFieldNames([name], param, problems, check) ? name : undefined;
}

function readDedupeFields(value: unknown, problems: ParamProblems, check: FieldCheck): string[] | undefined {
  const fields = readFieldList(value, 'dedupe_key', problems);
  if (fields === undefined) return undefined;
  return checkFieldNames(fields, 'dedupe_key', problems, check) ? fields : undefined;
}

function clampPageSize(requested: number | undefined, options: QueryOptions): number | undefined {
  const maxPageSize = options.maxPageSize ?? DEFAULT_MAX_PAGE_SIZE;
  const pageSize = requested ?? options.defaultPageSize;
  return pageSize === undefined ? undefined : Math.min(pageSize, maxPageSize);
}

function checkTimeOrder(start: TimeParam | undefined, end: TimeParam | undefined, problems: ParamProblems): void {
  if (start && end && start.seconds > end.seconds) problems.add('end_time', 'must not be before start_time');
}

/** The entries whose value is defined, in the order given. */
function definedEntries(entries: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
}

/** The pipe's params after validation, before defaults. */
interface ParsedParams {
  filters?: CompiledFilters & { given: object };
  search?: string;
  sortBy?: string;
  sortOrder?: SortOrder;
  page?: number;
  pageSize?: number;
  startTime?: TimeParam;
  endTime?: TimeParam;
  timeField?: string;
  timeframe?: { text: string; seconds: number };
  dedupeFields?: string[];
}

function parseParams(raw: RawQuery, options: QueryOptions, extraKnownParams: readonly string[]): ParsedParams {
  const problems = new ParamProblems();
  const allowed = new Set(extraKnownParams);
  for (const param of Object.keys(raw)) {
    if (!KNOWN_PARAMS.has(param) && !allowed.has(param)) problems.add(param, 'unknown parameter');
  }
  const check = new FieldCheck(knownFieldsFor(options.rowFields));
  const param = (name: string) => ownParam(raw, name);
  const parsed: ParsedParams = {
    filters: readFiltersCompiled(param('filters'), problems, check),
    search: readText(param('search'), 'search', problems, QUERY_LIMITS.maxSearchLength, false),
    sortBy: readFieldName(param('sort_by'), 'sort_by', problems, check),
    sortOrder: readSortOrder(param('sort_order'), problems),
    page: readPositiveInteger(param('page'), 'page', problems),
    pageSize: readPositiveInteger(param('page_size'), 'page_size', problems),
    startTime: readTime(param('start_time'), 'start_time', problems),
    endTime: readTime(param('end_time'), 'end_time', problems),
    timeField: readFieldName(param('time_field'), 'time_field', problems, check),
    timeframe: readTimeframe(param('timeframe'), problems),
    dedupeFields: readDedupeFields(param('dedupe_key'), problems, check),
  };
  checkTimeOrder(parsed.startTime, parsed.endTime, problems);
  if (problems.list.length > 0) throw new QueryValidationError(problems.list);
  return parsed;
}

/** The effective query: defaults applied, page size clamped, params that cannot matter dropped. */
function effectiveQuery(parsed: ParsedParams, options: QueryOptions) {
  const pageSize = clampPageSize(parsed.pageSize, options);
  const hasTimeRange = parsed.startTime !== undefined || parsed.endTime !== undefined || parsed.timeframe !== undefined;
  return {
    filters: parsed.filters?.predicate === undefined ? undefined : parsed.filters,
    search: parsed.search?.toLowerCase(),
    sort: parsed.sortBy === undefined ? undefined : { by: parsed.sortBy, order: parsed.sortOrder ?? options.defaultSortOrder ?? 'asc' },
    page: pageSize === undefined ? undefined : { page: parsed.page ?? 1, pageSize },
    timeField: hasTimeRange ? (parsed.timeField ?? options.defaultTimeField ?? DEFAULT_TIME_FIELD) : undefined,
    dedupeFields: parsed.dedupeFields && [...new Set(parsed.dedupeFields)],
  };
}

type EffectiveQuery = ReturnType<typeof effectiveQuery>;

function toPlan(effective: EffectiveQuery, parsed: ParsedParams, parts: CanonicalParts): QueryPlan {
  const timeRange: TimeRange | undefined = effective.timeField === undefined
    ? undefined
    : {
        field: fieldName(effective.timeField),
        startSeconds: parsed.startTime?.seconds,
        endSeconds: parsed.endTime?.seconds,
        withinSeconds: parsed.timeframe?.seconds,
      };
  return {
    filter: effective.filters?.predicate,
    filterIndex: effective.filters?.indexable,
    search: effective.search,
    timeRange,
    dedupeFields: effective.dedupeFields?.map(fieldName),
    sort: effective.sort && { field: fieldName(effective.sort.by), descending: effective.sort.order === 'desc' },
    page: effective.page?.page ?? 1,
    pageSize: effective.page?.pageSize,
    matchKey: matchKey(parts),
    sortKey: parts.sort && JSON.stringify(parts.sort),
  };
}

/** Only what changes the result, in a fixed order, times in seconds. */
function canonicalParts(effective: EffectiveQuery, parsed: ParsedParams) {
  const time = effective.timeField && [effective.timeField, parsed.startTime?.seconds ?? null, parsed.endTime?.seconds ?? null, parsed.timeframe?.seconds ?? null];
  return {
    filters: effective.filters?.canonical,
    search: effective.search,
    time,
    dedupe: effective.dedupeFields && [...effective.dedupeFields].sort(),
    sort: effective.sort && [effective.sort.by, effective.sort.order],
    page: effective.page && [effective.page.page, effective.page.pageSize],
  };
}

type CanonicalParts = ReturnType<typeof canonicalParts>;

function canonicalKey(parts: CanonicalParts): string {
  return JSON.stringify(definedEntries(parts));
}

/** What decides the matching rows (before sort and page): views with equal match keys share them (`QueryPlan`). */
function matchKey({ filters, search, time, dedupe }: CanonicalParts): string {
  return JSON.stringify(definedEntries({ filters, search, time, dedupe }));
}

/** The params the client gave, typed; page_size as clamped; times in the client's own unit. */
function echoParams(parsed: ParsedParams, effective: EffectiveQuery): Record<string, unknown> {
  return definedEntries({
    filters: parsed.filters?.given,
    search: parsed.search,
    sort_by: parsed.sortBy,
    sort_order: parsed.sortOrder,
    page: parsed.page,
    page_size: parsed.pageSize === undefined ? undefined : effective.page?.pageSize,
    start_time: parsed.startTime?.echo,
    end_time: parsed.endTime?.echo,
    time_field: parsed.timeField,
    timeframe: parsed.timeframe?.text,
    dedupe_key: parsed.dedupeFields?.join(','),
  });
}

/**
 * Validates and normalises the pipe's params (see FILTER_QUERY_PARAMS) into a CompiledQuery.
 *
 * - Params in `extraKnownParams` (the endpoint's own upstream params) are allowed and ignored;
 *   any other unknown param is an error.
 * - Every problem is collected into one QueryValidationError naming each param. Every string is length-bounded
 *   (QUERY_LIMITS) before it is parsed, and every parse is linear.
 * - Field names (`filters` keys, `sort_by`, `time_field`, `dedupe_key`) must be among `options.rowFields` when
 *   given; `__proto__`, `constructor` and `prototype` are never accepted.
 * - `page_size` above `maxPageSize` is clamped; `page` only matters when there is a page size.
 * - `key` depends only on what the query does: param order, "2" vs 2, filter key order, the case
 *   of string conditions, spelled-out defaults and ms-vs-s times do not change it.
 * - `params` echoes the given params, typed; start_time/end_time keep the client's unit.
 */
export function compileQuery(raw: RawQuery, options: QueryOptions = {}, extraKnownParams: readonly string[] = []): CompiledQuery {
  const parsed = parseParams(raw, options, extraKnownParams);
  const effective = effectiveQuery(parsed, options);
  const parts = canonicalParts(effective, parsed);
  return new CompiledPipeQuery(canonicalKey(parts), echoParams(parsed, effective), toPlan(effective, parsed, parts));
}
