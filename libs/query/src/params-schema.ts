/**
 * JSON Schema of the filter pipe's params, for the published contract (AsyncAPI `bindings.ws.query`). The pipe
 * parses its params by hand (params.ts, compile-query.ts) rather than through a DTO, so this is written next to the
 * readers and takes every bound from the same QUERY_LIMITS and defaults they use.
 */
import type { QueryOptions } from './contracts';
import { DEFAULT_MAX_PAGE_SIZE, DEFAULT_TIME_FIELD } from './compile-query';
import { QUERY_LIMITS } from './limits';
import type { FilterQueryParam } from './params';

type Schema = Record<string, unknown>;

/** The names a client may give, as the pipe knows them (top-level names and nested element fields alike). */
function fieldNames(rowFields: readonly string[] | undefined): string[] | undefined {
  if (!rowFields) return undefined;
  const names = new Set<string>();
  for (const path of rowFields) {
    const nested = path.indexOf('[].');
    names.add(nested < 0 ? path : path.slice(nested + 3));
  }
  return [...names];
}

function fieldNameSchema(description: string, fields: string[] | undefined, defaultValue?: string): Schema {
  return {
    type: 'string',
    maxLength: QUERY_LIMITS.maxFieldNameLength,
    description: fields ? `${description} One of: ${fields.join(', ')} (case-insensitive).` : description,
    ...(defaultValue !== undefined ? { default: defaultValue } : {}),
    ...(fields && fields.length > 0 ? { examples: [fields[0]] } : {}),
  };
}

/** The pipe's params for one stream: its row fields name what `filters`, `sort_by`, `time_field` and `dedupe_key` take. */
export function filterPipeParamsSchema(options: QueryOptions = {}): { type: 'object'; properties: Record<FilterQueryParam, Schema> } {
  const fields = fieldNames(options.rowFields);
  const time = (edge: string): Schema => ({
    type: ['string', 'number'],
    maxLength: QUERY_LIMITS.maxTimeLength,
    description: `${edge} of the time range on time_field: epoch seconds, epoch milliseconds or an ISO-8601 date-time.`,
    examples: [1719878400000],
  });
  return {
    type: 'object',
    properties: {
      filters: {
        type: ['object', 'string'],
        maxLength: QUERY_LIMITS.maxFiltersLength,
        maxProperties: QUERY_LIMITS.maxFilterFields,
        description:
          `Rows whose fields match, as a JSON object of field: condition (its JSON text in a URL, at most ${QUERY_LIMITS.maxFiltersLength} characters, ` +
          `${QUERY_LIMITS.maxFilterFields} fields). A condition is a value (strings case-insensitive), a comparison text like ">1000000", ` +
          `or a list of up to ${QUERY_LIMITS.maxFilterListValues} of these (any of).`,
        examples: [fields && fields.length > 0 ? { [fields[0]]: 'value' } : { field: 'value' }],
      },
      search: {
        type: 'string',
        maxLength: QUERY_LIMITS.maxSearchLength,
        description: 'Rows with a string field containing this text (case-insensitive).',
      },
      sort_by: fieldNameSchema('Field to sort the rows by.', fields),
      sort_order: {
        type: 'string',
        enum: ['asc', 'desc'],
        default: options.defaultSortOrder ?? 'asc',
        description: 'Sort direction (with sort_by).',
      },
      page: { type: 'integer', minimum: 1, default: 1, description: 'Page number, from 1 (with page_size).' },
      page_size: {
        type: 'integer',
        minimum: 1,
        ...(options.defaultPageSize !== undefined ? { default: options.defaultPageSize } : {}),
        description: `Rows per page; larger values are clamped to ${options.maxPageSize ?? DEFAULT_MAX_PAGE_SIZE}. Absent: every row.`,
        examples: [10],
      },
      start_time: time('Start'),
      end_time: time('End'),
      time_field: fieldNameSchema('Field the time range applies to.', fields, options.defaultTimeField ?? DEFAULT_TIME_FIELD),
      timeframe: {
        type: 'string',
        maxLength: QUERY_LIMITS.maxKeywordLength,
        description: 'Only rows within this duration of now on time_field, like 30m, 24h, 7d, 2w or 1y.',
        examples: ['24h'],
      },
      dedupe_key: {
        type: ['string', 'array'],
        items: { type: 'string', maxLength: QUERY_LIMITS.maxFieldNameLength },
        maxItems: QUERY_LIMITS.maxDedupeFields,
        description: `Keep the first row of each distinct value of these fields (comma-separated, at most ${QUERY_LIMITS.maxDedupeFields}).`,
      },
    },
  };
}
