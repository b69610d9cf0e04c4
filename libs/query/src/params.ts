/**
 * Readers for the pipe's raw params. Values come from a URL query string (always strings) or from
 * a JSON update message (any JSON type), so each reader accepts both forms; an absent value is
 * undefined, null or the empty string (`?search=` in a URL). Problems are collected, not thrown,
 * so that one error can name every bad parameter.
 */
import { QUERY_LIMITS } from './limits';
import { toEpochSeconds } from './time';

export const FILTER_QUERY_PARAMS = [
  'filters',
  'search',
  'sort_by',
  'sort_order',
  'page',
  'page_size',
  'start_time',
  'end_time',
  'time_field',
  'timeframe',
  'dedupe_key',
] as const;

export type FilterQueryParam = (typeof FILTER_QUERY_PARAMS)[number];

export interface ParamProblem {
  param: string;
  message: string;
}

export class ParamProblems {
  readonly list: ParamProblem[] = [];

  add(param: string, message: string): undefined {
    this.list.push({ param, message });
    return undefined;
  }
}

export function isAbsent(value: unknown): value is undefined | null | '' {
  return value === undefined || value === null || value === '';
}

/** `raw[param]` when it is the object's own property: a raw query's inherited members are never params. */
export function ownParam(raw: object, param: string): unknown {
  return Object.hasOwn(raw, param) ? (raw as Record<string, unknown>)[param] : undefined;
}

/** A string param; numbers are accepted as their text (JSON messages may send `"search": 2024`). */
export function readText(value: unknown, param: string, problems: ParamProblems, maxLength: number, trim = true): string | undefined {
  if (isAbsent(value)) return undefined;
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else if (Array.isArray(value)) return problems.add(param, 'must be given once, as a single string');
  else return problems.add(param, 'must be a string');
  if (text.length > maxLength) return problems.add(param, `must be at most ${maxLength} characters`);
  const result = trim ? text.trim() : text;
  return result === '' ? undefined : result;
}

/** Digits with an optional leading "+" (the text is trimmed and length-bounded first: no backtracking). */
const INTEGER_TEXT = /^\+?\d+$/;

/** An integer >= 1 from 2 or "2". */
export function readPositiveInteger(value: unknown, param: string, problems: ParamProblems): number | undefined {
  if (isAbsent(value)) return undefined;
  let number = NaN;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'string') {
    if (value.length > QUERY_LIMITS.maxNumberLength) return problems.add(param, `must be at most ${QUERY_LIMITS.maxNumberLength} characters`);
    const text = value.trim();
    if (INTEGER_TEXT.test(text)) number = Number(text);
  }
  if (!Number.isSafeInteger(number) || number < 1) return problems.add(param, 'must be an integer >= 1');
  return number;
}

export interface FiltersParam {
  /** field name → condition, the client's own keys (a Map: client data never becomes a plain object's key) */
  readonly fields: ReadonlyMap<string, unknown>;
  /** the object as given, for echoing */
  readonly given: object;
  /** true when it came as JSON text, whose length is already bounded */
  readonly fromText: boolean;
}

/** `filters` as a JSON object or its JSON text, bounded in length and in fields. */
export function readFilters(value: unknown, problems: ParamProblems): FiltersParam | undefined {
  if (isAbsent(value)) return undefined;
  let parsed = value;
  const fromText = typeof value === 'string';
  if (typeof value === 'string') {
    if (value.length > QUERY_LIMITS.maxFiltersLength) return problems.add('filters', `must be at most ${QUERY_LIMITS.maxFiltersLength} characters of JSON`);
    try {
      parsed = JSON.parse(value);
    } catch {
      return problems.add('filters', 'is not valid JSON');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return problems.add('filters', 'must be a JSON object of field: condition');
  }
  const names = Object.keys(parsed);
  if (names.length > QUERY_LIMITS.maxFilterFields) {
    return problems.add('filters', `has ${names.length} fields; at most ${QUERY_LIMITS.maxFilterFields}`);
  }
  const fields = new Map<string, unknown>();
  for (const name of names) fields.set(name, (parsed as Record<string, unknown>)[name]);
  return { fields, given: parsed, fromText };
}

export interface TimeParam {
  /** epoch seconds, whatever unit the client used */
  readonly seconds: number;
  /** the client's value in its own unit (numeric text as a number), for echoing */
  readonly echo: number | string;
}

/** A point in time in seconds or milliseconds (number or numeric text) or an ISO-8601 string. */
export function readTime(value: unknown, param: string, problems: ParamProblems): TimeParam | undefined {
  if (isAbsent(value)) return undefined;
  if (typeof value === 'string' && value.length > QUERY_LIMITS.maxTimeLength) {
    return problems.add(param, `must be at most ${QUERY_LIMITS.maxTimeLength} characters`);
  }
  const seconds = toEpochSeconds(value);
  if (!Number.isFinite(seconds) || (typeof value !== 'number' && typeof value !== 'string')) {
    return problems.add(param, 'must be epoch seconds, epoch milliseconds or an ISO-8601 date');
  }
  const numericText = typeof value === 'string' ? Number(value.trim()) : value;
  return { seconds, echo: typeof numericText === 'number' && Number.isFinite(numericText) ? numericText : value };
}

/** Longest `dedupe_key` text worth splitting: every field at its longest, plus the commas. */
const MAX_FIELD_LIST_LENGTH = QUERY_LIMITS.maxDedupeFields * (QUERY_LIMITS.maxFieldNameLength + 1);

/** `dedupe_key` as "a,b" or ["a", "b"]: trimmed, non-empty field names, at most `maxDedupeFields` of them. */
export function readFieldList(value: unknown, param: string, problems: ParamProblems): string[] | undefined {
  if (isAbsent(value)) return undefined;
  const items = Array.isArray(value) ? value : [value];
  if (items.length > QUERY_LIMITS.maxDedupeFields) return problems.add(param, `names at most ${QUERY_LIMITS.maxDedupeFields} fields`);
  if (!items.every((item): item is string => typeof item === 'string')) {
    return problems.add(param, 'must be a comma-separated list of field names');
  }
  let length = 0;
  for (const item of items) length += item.length + 1;
  if (length > MAX_FIELD_LIST_LENGTH) return problems.add(param, `must be at most ${MAX_FIELD_LIST_LENGTH} characters`);
  const fields = items.flatMap((item) => item.split(',')).map((field) => field.trim()).filter((field) => field !== '');
  if (fields.length > QUERY_LIMITS.maxDedupeFields) return problems.add(param, `names at most ${QUERY_LIMITS.maxDedupeFields} fields`);
  return fields.length > 0 ? fields : undefined;
}
