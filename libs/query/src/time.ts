/**
 * Time values in rows and params come in seconds or milliseconds (upstreams disagree), as numbers,
 * numeric strings or ISO-8601 strings. Everything is normalised to epoch seconds (fractional).
 */

/** A value above this is taken as milliseconds: 1e11 s is the year 5138, 1e11 ms is 1973. */
export const MILLISECONDS_THRESHOLD = 1e11;

/**
 * ISO 8601 date or date-time; Date.parse alone would also accept free text like "BTC 1". Every part has a fixed
 * or bounded width and no two adjacent parts can match the same character, so matching never backtracks.
 */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

function isDigitCode(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Digits from `from`; returns the index after the last one. */
function skipDigits(text: string, from: number): number {
  let i = from;
  while (i < text.length && isDigitCode(text.charCodeAt(i))) i++;
  return i;
}

/**
 * `[+-] digits [. digits] [e [+-] digits]` (or `.5`), scanned once from left to right. A regex such as
 * `\d+\.?\d*` tries every split of a digit run before failing, which is quadratic in its length.
 */
export function isPlainNumber(text: string): boolean {
  let i = 0;
  const sign = text.charCodeAt(0);
  if (sign === 43 || sign === 45) i++;
  const integerEnd = skipDigits(text, i);
  let digits = integerEnd - i;
  i = integerEnd;
  if (text.charCodeAt(i) === 46) {
    const fractionEnd = skipDigits(text, i + 1);
    digits += fractionEnd - i - 1;
    i = fractionEnd;
  }
  if (digits === 0) return false;
  const e = text.charCodeAt(i);
  if (e === 101 || e === 69) {
    i++;
    const exponentSign = text.charCodeAt(i);
    if (exponentSign === 43 || exponentSign === 45) i++;
    const exponentEnd = skipDigits(text, i);
    if (exponentEnd === i) return false;
    i = exponentEnd;
  }
  return i === text.length;
}

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
    if (isPlainNumber(text)) return epochNumberToSeconds(Number(text));
    return isoToSeconds(text);
  }
  if (value instanceof Date) return value.getTime() / 1000;
  return NaN;
}

/** An amount and a unit; the amount is bounded (a million years is plenty) so it never overflows. */
const TIMEFRAME = /^(\d{1,7})\s*([mhdwy])$/;
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
