import { ClientInputError } from '@app/query';
import { normalizeSymbol } from '../domain/quote';
import { SPREAD_TYPES, type SpreadEvent, type SpreadType } from '../domain/spread-event';
import { parseBefore, parseTimestampMs, TIMESTAMP_FORMS, type HistoryCursor } from '../history/history-cursor';

/** The seed's filter parameters, parsed (names as on the wire). */
export interface SpreadFilters {
  min_pct?: number;
  max_pct?: number;
  spread_type?: SpreadType;
  exchange?: string;
  allowed_exchanges?: string[];
  buy_exchange?: string;
  sell_exchange?: string;
  symbol?: string;
  exclude_symbol?: string[];
  dex?: boolean;
  min_volume_24h?: number;
  min_dex_liquidity_usd?: number;
  events?: 'open' | 'close';
}

/** Filters plus the paging/delay parameters of one request. */
export interface SpreadQuery {
  filters: SpreadFilters;
  delay?: number;
  limit?: number;
  /** epoch ms */
  sinceMs?: number;
  before?: HistoryCursor;
}

export interface ParamProblem {
  param: string;
  message: string;
}

/** A refusal of client input: built without a stack trace (`ClientInputError`), nothing reads one. */
export class SpreadQueryError extends ClientInputError {
  override name = 'SpreadQueryError';
  readonly details: ParamProblem[];
  constructor(problems: ParamProblem[]) {
    const details = problems.slice(0, MAX_REPORTED_PROBLEMS);
    const more = problems.length - details.length;
    super(`invalid query: ${details.map((d) => `${d.param}: ${d.message}`).join('; ')}${more > 0 ? `; and ${more} more` : ''}`);
    this.details = details;
  }
}

const FILTER_PARAMS = [
  'min_pct',
  'max_pct',
  'spread_type',
  'exchange',
  'allowed_exchanges',
  'buy_exchange',
  'sell_exchange',
  'symbol',
  'exclude_symbol',
  'dex',
  'min_volume_24h',
  'min_dex_liquidity_usd',
  'events',
] as const;

/**
 * Bounds of client input (hostile clients): every value is length-checked before it is parsed, and every number
 * has a finite range, so nothing overflows a bigint column or a timer.
 */
export const PARAM_LIMITS = {
  /** characters of one scalar value (symbols, exchanges, numbers, cursors) */
  valueLength: 64,
  /** characters of a csv value (allowed_exchanges, exclude_symbol) */
  csvLength: 1024,
  csvItems: 50,
  /** characters of `api_key` on the live socket */
  apiKeyLength: 256,
  /** percent thresholds (spreads above SPREADS_SANITY_CAP_PCT never fire anyway) */
  maxPct: 1_000_000,
  /** USD volume/liquidity gates */
  maxUsd: 1e15,
  /** one year */
  maxDelaySeconds: 365 * 24 * 3600,
  /** requests above the tier cap are clamped; beyond this they are refused */
  maxLimit: 1_000_000,
} as const;

/** The first few problems are named; a flood of bad parameters is summarised by a count (short error bodies and frames). */
const MAX_REPORTED_PROBLEMS = 10;

export type SpreadSurface = 'recent' | 'history' | 'live';
const EXTRA_PARAMS: Record<SpreadSurface, readonly string[]> = {
  recent: ['delay', 'limit'],
  history: ['delay', 'limit', 'since', 'before'],
  live: ['delay', 'api_key'],
};

/**
 * Parses a query string object; unknown parameters and bad values are errors naming the parameter.
 * Repeated parameters take the last value. Every value is bounded in length before it is parsed (all parsing
 * here is linear: `Number`, `split`, anchored patterns without nested quantifiers) and every number in range.
 */
export function parseSpreadQuery(raw: Record<string, unknown>, surface: SpreadSurface): SpreadQuery {
  const problems: ParamProblem[] = [];
  const allowed = new Set<string>([...FILTER_PARAMS, ...EXTRA_PARAMS[surface]]);
  for (const name of Object.keys(raw)) if (!allowed.has(name)) problems.push({ param: clip(name), message: 'unknown parameter' });
  const own = (name: string): unknown => (Object.prototype.hasOwnProperty.call(raw, name) ? raw[name] : undefined);
  const text = (name: string, maxLength: number = PARAM_LIMITS.valueLength): string | undefined => {
    const value = own(name);
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last === undefined || last === null) return undefined;
    if (typeof last !== 'string' && typeof last !== 'number' && typeof last !== 'boolean') {
      problems.push({ param: name, message: 'must be a single value' });
      return undefined;
    }
    const value_ = String(last);
    if (value_.length > maxLength) {
      problems.push({ param: name, message: `must be at most ${maxLength} characters` });
      return undefined;
    }
    const trimmed = value_.trim();
    return trimmed === '' ? undefined : trimmed;
  };

  const number = (name: string, min: number, max: number): number | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
      problems.push({ param: name, message: `must be a number from ${min} to ${max}` });
      return undefined;
    }
    return parsed;
  };
  const integer = (name: string, min: number, max: number): number | undefined => {
    const value = number(name, min, max);
    if (value !== undefined && !Number.isInteger(value)) {
      problems.push({ param: name, message: 'must be an integer' });
      return undefined;
    }
    return value;
  };
  const csv = (name: string): string[] | undefined => {
    const value = text(name, PARAM_LIMITS.csvLength);
    if (value === undefined) return undefined;
    const items = splitCsv(value);
    if (items.length > PARAM_LIMITS.csvItems) {
      problems.push({ param: name, message: `must list at most ${PARAM_LIMITS.csvItems} values` });
      return undefined;
    }
    return items;
  };
  const exchange = (name: string) => text(name)?.toUpperCase();
  const symbol = (name: string, value: string): string | undefined => {
    const normalized = normalizeSymbol(value);
    if (!normalized) problems.push({ param: name, message: `"${clip(value)}" is not a symbol like BTC_USDT` });
    return normalized;
  };

  const filters: SpreadFilters = {};
  filters.min_pct = number('min_pct', 0, PARAM_LIMITS.maxPct);
  filters.max_pct = number('max_pct', 0, PARAM_LIMITS.maxPct);
  const type = text('spread_type');
  if (type !== undefined) {
    if ((SPREAD_TYPES as readonly string[]).includes(type)) filters.spread_type = type as SpreadType;
    else problems.push({ param: 'spread_type', message: `must be one of ${SPREAD_TYPES.join(', ')}` });
  }
  filters.exchange = exchange('exchange');
  filters.allowed_exchanges = csv('allowed_exchanges')?.map((e) => e.toUpperCase());
  filters.buy_exchange = exchange('buy_exchange');
  filters.sell_exchange = exchange('sell_exchange');
  const sym = text('symbol');
  if (sym !== undefined) filters.symbol = symbol('symbol', sym);
  filters.exclude_symbol = csv('exclude_symbol')
    ?.map((s) => symbol('exclude_symbol', s))
    .filter((s): s is string => !!s);
  const dex = text('dex');
  if (dex !== undefined) {
    if (dex === 'true' || dex === '1') filters.dex = true;
    else if (dex === 'false' || dex === '0') filters.dex = false;
    else problems.push({ param: 'dex', message: 'must be true or false' });
  }
  filters.min_volume_24h = number('min_volume_24h', 0, PARAM_LIMITS.maxUsd);
  filters.min_dex_liquidity_usd = number('min_dex_liquidity_usd', 0, PARAM_LIMITS.maxUsd);
  const events = text('events');
  if (events !== undefined) {
    if (events === 'open' || events === 'close') filters.events = events;
    else problems.push({ param: 'events', message: 'must be open or close' });
  }
  if (filters.min_pct !== undefined && filters.max_pct !== undefined && filters.min_pct > filters.max_pct) {
    problems.push({ param: 'max_pct', message: 'must be >= min_pct' });
  }

  const query: SpreadQuery = { filters: dropUndefined(filters) };
  if (allowed.has('delay')) query.delay = integer('delay', 0, PARAM_LIMITS.maxDelaySeconds);
  if (allowed.has('limit')) query.limit = integer('limit', 1, PARAM_LIMITS.maxLimit);
  if (allowed.has('since')) {
    const since = text('since');
    if (since !== undefined) {
      query.sinceMs = parseTimestampMs(since);
      if (query.sinceMs === undefined) problems.push({ param: 'since', message: `must be a unix timestamp (${TIMESTAMP_FORMS})` });
    }
  }
  if (allowed.has('before')) {
    const before = text('before');
    if (before !== undefined) {
      query.before = parseBefore(before);
      if (!query.before) problems.push({ param: 'before', message: `must be a unix timestamp (${TIMESTAMP_FORMS}) or a meta.next_before value` });
    }
  }
  if (allowed.has('api_key')) text('api_key', PARAM_LIMITS.apiKeyLength);
  if (problems.length > 0) throw new SpreadQueryError(problems);
  return query;
}

/** Client-supplied names and values echoed in an error are cut short. */
function clip(value: string): string {
  return value.length > 32 ? `${value.slice(0, 32)}…` : value;
}

function splitCsv(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

/**
 * The seed's leg semantics: `exchange` either leg; `allowed_exchanges` both legs; `buy_exchange` the cheaper
 * leg; `sell_exchange` the dearer one; `dex=true` events with a DEX leg, `false` none; `min_volume_24h` every
 * CEX leg (events without a CEX leg pass); `min_dex_liquidity_usd` every DEX leg (events without one pass).
 */
export function matchesFilters(event: SpreadEvent, f: SpreadFilters): boolean {
  if (f.events !== undefined && event.event !== f.events) return false;
  if (f.min_pct !== undefined && event.spread_percent < f.min_pct) return false;
  if (f.max_pct !== undefined && event.spread_percent > f.max_pct) return false;
  if (f.spread_type !== undefined && event.spread_type !== f.spread_type) return false;
  if (f.exchange !== undefined && event.buy_exchange !== f.exchange && event.sell_exchange !== f.exchange) return false;
  if (f.allowed_exchanges !== undefined && !(f.allowed_exchanges.includes(event.buy_exchange) && f.allowed_exchanges.includes(event.sell_exchange))) {
    return false;
  }
  if (f.buy_exchange !== undefined && event.buy_exchange !== f.buy_exchange) return false;
  if (f.sell_exchange !== undefined && event.sell_exchange !== f.sell_exchange) return false;
  if (f.symbol !== undefined && event.symbol !== f.symbol) return false;
  if (f.exclude_symbol !== undefined && f.exclude_symbol.includes(event.symbol)) return false;
  const hasDex = event.buy_kind === 'dex' || event.sell_kind === 'dex';
  if (f.dex !== undefined && f.dex !== hasDex) return false;
  if (f.min_volume_24h !== undefined && event.cex_legs > 0 && !(event.volume_24h !== null && event.volume_24h >= f.min_volume_24h)) return false;
  if (f.min_dex_liquidity_usd !== undefined && hasDex) {
    const min = f.min_dex_liquidity_usd;
    const meta = event.dex_metadata;
    if (event.buy_kind === 'dex' && !((meta?.buy?.liquidity_usd ?? -1) >= min)) return false;
    if (event.sell_kind === 'dex' && !((meta?.sell?.liquidity_usd ?? -1) >= min)) return false;
  }
  return true;
}
