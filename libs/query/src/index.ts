/**
 * The shared client-side query pipe (seed `ws_apply_filters`): filters, search, time range,
 * dedupe, sort and pagination over any stream's rows.
 *
 *   const query = compileQuery(rawParams, stream.queryOptions, stream.upstreamParamNames); // once, validates
 *   const { rows, count } = applyQuery(snapshot, query, now, memo);                         // every refresh
 *
 * Order of application: time range → filters → search → dedupe_key → sort → page.
 */
export * from './contracts';
export { FILTER_QUERY_PARAMS, type FilterQueryParam } from './params';
export { compileQuery, DEFAULT_MAX_PAGE_SIZE, DEFAULT_TIME_FIELD } from './compile-query';
export { applyQuery } from './apply-query';
export { QueryMemo } from './snapshot-memo';
export { parseNumericString } from './numeric';
export { QUERY_LIMITS, RESERVED_FIELD_NAMES, isReservedName, quoteClipped } from './limits';
export { rowFields, type RowFieldMap } from './row-fields';
export { parseTimeframeSeconds, toEpochSeconds } from './time';
export { filterPipeParamsSchema } from './params-schema';
export { roundTo } from './rounding';
