import { normalizeSymbol } from '../domain/quote';
import { SPREAD_TYPES, type SpreadEvent, type SpreadType } from '../domain/spread-event';

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
  since?: number;
  before?: string;
}

export interface ParamProblem {
  param: string;
  message: string;
}

export class SpreadQueryError extends Error {
  override name = 'SpreadQueryError';
  constructor(readonly details: ParamProblem[]) {
    super(`invalid query: ${details.map((d) => `${d.param}: ${d.message}`).join('; ')}`);
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

export type SpreadSurface = 'recent' | 'history' | 'live';
const EXTRA_PARAMS: Record<SpreadSurface, readonly string[]> = {
  recent: ['delay', 'limit'],
  history: ['delay', 'limit', 'since', 'before'],
  live: ['delay', 'api_key'],
};

/**
 * Parses a query string object; unknown parameters and bad values are errors naming the parameter.
 * Repeated parameters take the last value.
 */
export function parseSpreadQuery(raw: Record<string, unknown>, surface: SpreadSurface): SpreadQuery {
  const problems: ParamProblem[] = [];
  const allowed = new Set<string>([...FILTER_PARAMS, ...EXTRA_PARAMS[surface]]);
  const text = (name: string): string | undefined => {
    const value = raw[name];
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last === undefined || last === null) return undefined;
    const trimmed = String(last).trim();
    return trimmed === '' ? undefined : trimmed;
  };
  for (const name of Object.keys(raw)) if (!allowed.has(name)) problems.push({ param: name, message: 'unknown parameter' });

  const number = (name: string, min = -Infinity): number | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min) {
      problems.push({ param: name, message: min > -Infinity ? `must be a number >= ${min}` : 'must be a number' });
      return undefined;
    }
    return parsed;
  };
  const integer = (name: string, min: number): number | undefined => {
    const value = number(name, min);
    if (value !== undefined && !Number.isInteger(value)) {
      problems.push({ param: name, message: 'must be an integer' });
      return undefined;
    }
    return value;
  };
  const exchange = (name: string) => text(name)?.toUpperCase();
  const symbol = (name: string, value: string): string | undefined => {
    const normalized = normalizeSymbol(value);
    if (!normalized) problems.push({ param: name, message: `"${value}" is not a symbol like BTC_USDT` });
    return normalized;
  };

  const filters: SpreadFilters = {};
  filters.min_pct = number('min_pct', 0);
  filters.max_pct = number('max_pct', 0);
  const type = text('spread_type');
  if (type !== undefined) {
    if ((SPREAD_TYPES as readonly string[]).includes(type)) filters.spread_type = type as SpreadType;
    else problems.push({ param: 'spread_type', message: `must be one of ${SPREAD_TYPES.join(', ')}` });
  }
  filters.exchange = exchange('exchange');
  const allowedExchanges = text('allowed_exchanges');
  if (allowedExchanges !== undefined) filters.allowed_exchanges = splitCsv(allowedExchanges).map((e) => e.toUpperCase());
  filters.buy_exchange = exchange('buy_exchange');
  filters.sell_exchange = exchange('sell_exchange');
  const sym = text('symbol');
  if (sym !== undefined) filters.symbol = symbol('symbol', sym);
  const excluded = text('exclude_symbol');
  if (excluded !== undefined) filters.exclude_symbol = splitCsv(excluded).map((s) => symbol('exclude_symbol', s)).filter((s): s is string => !!s);
  const dex = text('dex');
  if (dex !== undefined) {
    if (dex === 'true' || dex === '1') filters.dex = true;
    else if (dex === 'false' || dex === '0') filters.dex = false;
    else problems.push({ param: 'dex', message: 'must be true or false' });
  }
  filters.min_volume_24h = number('min_volume_24h', 0);
  filters.min_dex_liquidity_usd = number('min_dex_liquidity_usd', 0);
  const events = text('events');
  if (events !== undefined) {
    if (events === 'open' || events === 'close') filters.events = events;
    else problems.push({ param: 'events', message: 'must be open or close' });
  }
  if (filters.min_pct !== undefined && filters.max_pct !== undefined && filters.min_pct > filters.max_pct) {
    problems.push({ param: 'max_pct', message: 'must be >= min_pct' });
  }

  const query: SpreadQuery = { filters: dropUndefined(filters) };
  if (allowed.has('delay')) query.delay = integer('delay', 0);
  if (allowed.has('limit')) query.limit = integer('limit', 1);
  if (allowed.has('since')) query.since = number('since', 0);
  if (allowed.has('before')) query.before = text('before');
  if (problems.length > 0) throw new SpreadQueryError(problems);
  return query;
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
