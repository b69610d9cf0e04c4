import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { ClientInputError, FILTER_QUERY_PARAMS, QUERY_LIMITS, QueryValidationError, compileQuery, isReservedName, type CompiledQuery, type QueryOptions } from '@app/query';
import type { AnyStreamDefinition } from './stream-definition';
import type { ErrorDetail } from './ws-protocol';

/** A client's validated view of a stream: upstream params (shared refresh) plus its compiled filter query. */
export interface Subscription {
  params: object;
  /** equal for clients that can share one upstream refresh */
  feedKey: string;
  query: CompiledQuery;
  /** the raw params as the client gave them, kept so update messages can be merged into them */
  raw: Record<string, unknown>;
}

export class SubscriptionError extends ClientInputError {
  override name = 'SubscriptionError';
  constructor(readonly details: ErrorDetail[]) {
    super(details.map((d) => `${d.param}: ${d.message}`).join('; '));
  }
}

const FILTER_PARAMS = new Set<string>(FILTER_QUERY_PARAMS);

/** Client params keyed by the client's names: no prototype, so no name can reach Object.prototype. */
function emptyParams(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}

/** Reads a connection URL's query string into a flat object (a repeated key keeps its last value). */
export function queryFromUrl(url: string | undefined): Record<string, unknown> {
  const raw = emptyParams();
  const question = url?.indexOf('?') ?? -1;
  if (!url || question < 0) return raw;
  for (const [key, value] of new URLSearchParams(url.slice(question + 1))) raw[key] = value;
  return raw;
}

/**
 * Merges an update message into the previous params: given keys replace, `null` removes a key.
 * (PRODUCT.md: updates carry the new params, flat, with the query-string names.)
 */
export function mergeUpdate(previous: Record<string, unknown>, update: Record<string, unknown>): Record<string, unknown> {
  // every non-null key of the update ends up in the result: past the cap the result is refused whatever `previous`
  // holds, so refuse before copying (a flood of 600-key updates otherwise builds a 600-key dictionary per message)
  let added = 0;
  for (const key in update) {
    if (update[key] !== null && ++added > QUERY_LIMITS.maxParams) throw tooManyParams();
  }
  const merged = emptyParams();
  for (const [key, value] of Object.entries(previous)) merged[key] = value;
  for (const [key, value] of Object.entries(update)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

/** Validates raw params for a stream; throws `SubscriptionError` naming every bad or unknown parameter. */
export function resolveSubscription(definition: AnyStreamDefinition, raw: Record<string, unknown>): Subscription {
  const details: ErrorDetail[] = [];
  let count = 0;
  for (const _key in raw) {
    // cheap refusal before any param is validated (class-validator per unknown key is the expensive part)
    if (++count > QUERY_LIMITS.maxParams) throw tooManyParams();
  }
  const filterRaw = emptyParams();
  const upstreamRaw = emptyParams();
  for (const [key, value] of Object.entries(raw)) {
    // never handed to class-transformer: a reserved key must not get near an instance's prototype
    if (isReservedName(key)) details.push({ param: key, message: 'reserved name, not a parameter' });
    else if (FILTER_PARAMS.has(key)) filterRaw[key] = value;
    else if (textLength(value) > QUERY_LIMITS.maxStreamParamLength) details.push({ param: clippedName(key), message: `must be at most ${QUERY_LIMITS.maxStreamParamLength} characters` });
    else upstreamRaw[key] = value;
  }

  let params: object = {};
  if (definition.paramsType) {
    params = plainToInstance(definition.paramsType, upstreamRaw) as object;
    const errors = validateSync(params, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false });
    details.push(...errors.flatMap(toDetails));
  } else {
    for (const key of Object.keys(upstreamRaw)) details.push({ param: clippedName(key), message: 'unknown parameter' });
  }

  let query: CompiledQuery | undefined;
  try {
    query = compileQuery(filterRaw, queryOptionsOf(definition));
  } catch (error) {
    if (!(error instanceof QueryValidationError)) throw error;
    details.push(...error.details);
  }
  if (details.length > 0 || !query) throw new SubscriptionError(details);
  return { params, feedKey: `${definition.name}?${canonicalJson(params)}`, query, raw };
}

function tooManyParams(): SubscriptionError {
  return new SubscriptionError([{ param: '(params)', message: `at most ${QUERY_LIMITS.maxParams} parameters` }]);
}

/** A client's param name as an error detail names it: never longer than any real name. */
function clippedName(name: string): string {
  return name.length > QUERY_LIMITS.maxFieldNameLength ? `${name.slice(0, QUERY_LIMITS.maxFieldNameLength)}…` : name;
}

/** The length of a stream param's text; a list (from an update message) counts its items' text and separators. */
function textLength(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (!Array.isArray(value)) return 0;
  let length = 0;
  for (const item of value) length += (typeof item === 'string' ? item.length : 1) + 1;
  return length;
}

/** The stream's pipe defaults plus its row fields, merged once per definition. */
const queryOptionsByDefinition = new WeakMap<AnyStreamDefinition, QueryOptions>();

function queryOptionsOf(definition: AnyStreamDefinition): QueryOptions {
  let options = queryOptionsByDefinition.get(definition);
  if (!options) queryOptionsByDefinition.set(definition, (options = { ...definition.queryOptions, rowFields: definition.rowFields }));
  return options;
}

function toDetails(error: ValidationError): ErrorDetail[] {
  const own = Object.values(error.constraints ?? {}).map((message) => ({
    param: clippedName(error.property),
    message: message.includes('should not exist') ? 'unknown parameter' : message,
  }));
  return [...own, ...(error.children ?? []).flatMap(toDetails)];
}

/** JSON with object keys sorted, so equal params give equal keys whatever their order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
