/**
 * Readers for the pipe's raw params. Values come from a URL query string (always strings) or from
 * a JSON update message (any JSON type), so each reader accepts both forms; an absent value is
 * undefined, null or the empty string (`?search=` in a URL). Problems are collected, not thrown,
 * so that one error can name every bad parameter.
 */
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

/** A string param; numbers are accepted as their text (JSON messages may send `"search": 2024`). */
export function readText(value: unknown, param: string, problems: ParamProblems, trim = true): string | undefined {
  if (isAbsent(value)) return undefined;
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else if (Array.isArray(value)) return problems.add(param, 'must be given once, as a single string');
  else return problems.add(param, 'must be a string');
  const result = trim ? text.trim() : text;
  return result === '' ? undefined : result;
}

const INTEGER_TEXT = /^\s*\+?\d+\s*$/;

/** An integer >= 1 from 2 or "2". */
export function readPositiveInteger(value: unknown, param: string, problems: ParamProblems): number | undefined {
  if (isAbsent(value)) return undefined;
  let number = NaN;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'string' && INTEGER_TEXT.test(value)) number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) return problems.add(param, 'must be an integer >= 1');
  return number;
}

/** `filters` as a JSON object or its JSON text. */
export function readFilters(value: unknown, problems: ParamProblems): Record<string, unknown> | undefined {
  if (isAbsent(value)) return undefined;
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return problems.add('filters', 'is not valid JSON');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return problems.add('filters', 'must be a JSON object of field: condition');
  }
  return parsed as Record<string, unknown>;
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
  const seconds = toEpochSeconds(value);
  if (!Number.isFinite(seconds) || (typeof value !== 'number' && typeof value !== 'string')) {
    return problems.add(param, 'must be epoch seconds, epoch milliseconds or an ISO-8601 date');
  }
  const numericText = typeof value === 'string' ? Number(value.trim()) : value;
  return { seconds, echo: typeof numericText === 'number' && Number.isFinite(numericText) ? numericText : value };
}

/** `dedupe_key` as "a,b" or ["a", "b"]: trimmed, non-empty field names. */
export function readFieldList(value: unknown, param: string, problems: ParamProblems): string[] | undefined {
  if (isAbsent(value)) return undefined;
  const items = Array.isArray(value) ? value : [value];
  if (!items.every((item): item is string => typeof item === 'string')) {
    return problems.add(param, 'must be a comma-separated list of field names');
  }
  const fields = items.flatMap((item) => item.split(',')).map((field) => field.trim()).filter((field) => field !== '');
  return fields.length > 0 ? fields : undefined;
}
