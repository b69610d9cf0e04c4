/**
 * Time values in rows and params come in seconds or milliseconds (upstreams disagree), as numbers,
 * numeric strings or ISO-8601 strings. Everything is normalised to epoch seconds (fractional).
 */

/** A value above this is taken as milliseconds: 1e11 s is the year 5138, 1e11 ms is 1973. */
export const MILLISECONDS_THRESHOLD = 1e11;

const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** ISO 8601 date or date-time; Date.parse alone would also accept free text like "BTC 1". */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

function epochNumberToSeconds(value: number): number {
  if (!Number.isFinite(value)) return NaN;
  return Math.abs(value) > MILLISECONDS_THRESHOLD ? value / 1000 : value;
}

function isoToSeconds(text: string): number {
  const match = ISO_DATE.exec(text);
  if (!match) return NaN;
  // a date-time without offset is read as UTC, not as the server's local time
  const hasTime = text.length > 10;
  const iso = hasTime && match[1] === undefined ? `${text.replace(' ', 'T')}Z` : text.replace(' ', 'T');
  return Date.parse(iso) / 1000;
}

/** Epoch seconds for a number (s or ms), numeric string, ISO string or Date; NaN when unparseable. */
export function toEpochSeconds(value: unknown): number {
  if (typeof value === 'number') return epochNumberToSeconds(value);
  if (typeof value === 'string') {
    const text = value.trim();
    if (PLAIN_NUMBER.test(text)) return epochNumberToSeconds(Number(text));
    return isoToSeconds(text);
  }
  if (value instanceof Date) return value.getTime() / 1000;
  return NaN;
}

const TIMEFRAME = /^(\d+)\s*([mhdwy])$/;
const UNIT_SECONDS: Record<string, number> = {
  m: 60,
  h: 3_600,
  d: 86_400,
  w: 7 * 86_400,
  y: 365 * 86_400,
};

/** Seconds in a timeframe such as "30m", "24h", "7d", "2w", "1y"; NaN when malformed or zero. */
export function parseTimeframeSeconds(text: string): number {
  const match = TIMEFRAME.exec(text.trim().toLowerCase());
  if (!match) return NaN;
  const amount = Number(match[1]);
  return amount > 0 ? amount * UNIT_SECONDS[match[2]] : NaN;
}
