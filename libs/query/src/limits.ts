/**
 * Bounds on every client-supplied value of the filter pipe (README, "filter pipe params"). Checked before any
 * parsing, so a hostile value costs at most a length comparison; beyond a bound the param is rejected by name.
 */
export const QUERY_LIMITS = {
  /** `start_time` / `end_time` text: epoch seconds or ms, or an ISO-8601 date-time with fraction and offset */
  maxTimeLength: 40,
  /** `page` / `page_size` text */
  maxNumberLength: 32,
  /** `search` */
  maxSearchLength: 200,
  /** `sort_order`, `timeframe` */
  maxKeywordLength: 16,
  /** one field name: a `filters` key, `sort_by`, `time_field`, one `dedupe_key` field */
  maxFieldNameLength: 64,
  /** `filters` as JSON text (or, from an update message, serialised) */
  maxFiltersLength: 4096,
  /** fields in one `filters` object */
  maxFilterFields: 16,
  /** conditions in one any-of list (`{"symbol": ["USDT", "USDC"]}`) */
  maxFilterListValues: 50,
  /** one string condition */
  maxConditionLength: 200,
  /** fields in `dedupe_key` */
  maxDedupeFields: 8,
  /** a stream's own (upstream) params, e.g. `vs_currency`, `chains`: a value's text, or a list's items together */
  maxStreamParamLength: 1024,
  /** params in one query or update message: a stream takes a dozen; more is refused before any of them is parsed */
  maxParams: 32,
} as const;

/** Names that would reach Object.prototype if they became keys of a plain object: never a row field. */
export const RESERVED_FIELD_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function isReservedName(name: string): boolean {
  return RESERVED_FIELD_NAMES.has(name.toLowerCase());
}

/** A client's text for an error message: never more than `max` characters of it. */
export function quoteClipped(text: string, max = 32): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}
