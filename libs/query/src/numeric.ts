/**
 * Reads numbers out of display strings such as "$2,345,678,901", "52.34 %", "-€1,234.5" or
 * "1,234,567,890 USD". Upstream rows often carry formatted strings where a number is meant, and
 * both comparison filters and sorting must treat them as numbers.
 *
 * Grammar (whitespace allowed between parts):
 *   [sign] [currency symbol] [sign] digits (thousands commas in groups of 3) [.digits] [e±digits]
 *   then optionally "%" or one unit word separated by whitespace ("USD", "BTC").
 * A unit glued to the digits ("24h", "7d", "0x10") is NOT a number: those are labels, not amounts.
 */

const CURRENCY_SYMBOL_CODES = new Set(Array.from('$€£¥₿₹₩₽₮', (symbol) => symbol.charCodeAt(0)));

const CH_0 = 48;
const CH_9 = 57;
const CH_PLUS = 43;
const CH_MINUS = 45;
const CH_COMMA = 44;
const CH_DOT = 46;
const CH_PERCENT = 37;
const CH_E_LOWER = 101;
const CH_E_UPPER = 69;

/** Mantissas up to 15 digits are exact doubles, so digit accumulation + one division is correctly rounded. */
const MAX_EXACT_DIGITS = 15;
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, n) => 10 ** n);

function isDigit(code: number): boolean {
  return code >= CH_0 && code <= CH_9;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 160 || code === 10 || code === 13;
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function skipSpaces(text: string, from: number): number {
  let i = from;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/**
 * Parses a number or a formatted numeric string; returns NaN for anything else.
 * Allocation-free for the common case (no exponent, at most 15 significant digits).
 */
export function parseNumericString(text: string): number {
  const len = text.length;
  let i = skipSpaces(text, 0);
  let negative = false;
  let sawSign = false;
  // a sign may stand before or after the currency symbol ("-$5", "$-5"), but only once
  for (let part = 0; part < 2 && i < len; part++) {
    const code = text.charCodeAt(i);
    if (!sawSign && (code === CH_MINUS || code === CH_PLUS)) {
      sawSign = true;
      negative = code === CH_MINUS;
      i = skipSpaces(text, i + 1);
    }
    if (part === 0 && i < len && CURRENCY_SYMBOL_CODES.has(text.charCodeAt(i))) i = skipSpaces(text, i + 1);
    else break;
  }

  const numberStart = i;
  let mantissa = 0;
  let mantissaDigits = 0;
  let integerDigits = 0;
  let groupLength = 0;
  let sawComma = false;
  while (i < len) {
    const code = text.charCodeAt(i);
    if (isDigit(code)) {
      mantissa = mantissa * 10 + (code - CH_0);
      if (mantissa !== 0) mantissaDigits++;
      integerDigits++;
      groupLength++;
    } else if (code === CH_COMMA) {
      // thousands separators only: "1,234,567" yes, "1,2" (a European decimal) no
      if (groupLength === 0 || (sawComma ? groupLength !== 3 : groupLength > 3)) return NaN;
      sawComma = true;
      groupLength = 0;
    } else break;
    i++;
  }
  if (sawComma && groupLength !== 3) return NaN;

  let fractionDigits = 0;
  if (i < len && text.charCodeAt(i) === CH_DOT) {
    i++;
    while (i < len && isDigit(text.charCodeAt(i))) {
      const digit = text.charCodeAt(i) - CH_0;
      mantissa = mantissa * 10 + digit;
      if (mantissa !== 0) mantissaDigits++;
      fractionDigits++;
      i++;
    }
  }
  if (integerDigits + fractionDigits === 0) return NaN;

  let hasExponent = false;
  const maybeE = text.charCodeAt(i);
  if (maybeE === CH_E_LOWER || maybeE === CH_E_UPPER) {
    let j = i + 1;
    const sign = text.charCodeAt(j);
    if (sign === CH_PLUS || sign === CH_MINUS) j++;
    if (isDigit(text.charCodeAt(j))) {
      while (j < len && isDigit(text.charCodeAt(j))) j++;
      i = j;
      hasExponent = true;
    }
  }
  const numberEnd = i;

  // optional "%" or a unit word, which must be separated from the digits by whitespace
  const afterNumber = skipSpaces(text, i);
  i = afterNumber;
  if (i < len && text.charCodeAt(i) === CH_PERCENT) {
    i = skipSpaces(text, i + 1);
  } else if (i < len && afterNumber > numberEnd && isLetter(text.charCodeAt(i))) {
    while (i < len && isLetter(text.charCodeAt(i))) i++;
    i = skipSpaces(text, i);
  }
  if (i !== len) return NaN;

  let value: number;
  if (!hasExponent && mantissaDigits <= MAX_EXACT_DIGITS && fractionDigits < POWERS_OF_TEN.length) {
    value = fractionDigits === 0 ? mantissa : mantissa / POWERS_OF_TEN[fractionDigits];
  } else {
    value = Number(text.slice(numberStart, numberEnd).replaceAll(',', ''));
  }
  return negative ? -value : value;
}

/** A number for numbers and numeric(-looking) strings, NaN for everything else. */
export function toNumeric(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return parseNumericString(value);
  return NaN;
}
