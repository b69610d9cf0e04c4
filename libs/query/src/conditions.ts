/**
 * One filter condition (the value side of `filters={"field": condition}`), compiled once into a
 * closure that tests a single field value.
 *
 *   "Tether"          exact, case-insensitive; a numeric text ("1000") also matches equal values (1000, "$1,000")
 *   5                 equal in value to a number or a numeric string ("$5", "5 %")
 *   true / null       equal to that boolean / null
 *   ">1e9" ">=5" "<0.99" "<=1"   numeric comparison; the field may be a formatted numeric string
 *   "!=0" "!=usdt"    negation of the exact match (null never matches)
 *   ["USDT", "USDC"]  any of the listed conditions
 * A field holding a list matches when any of its elements does.
 */
import { QUERY_LIMITS, quoteClipped } from './limits';
import { parseNumericString, toNumeric } from './numeric';
import { ClientInputError } from './contracts';

export type ValueMatcher = (value: unknown) => boolean;

export interface CompiledCondition {
  readonly matches: ValueMatcher;
  /** order- and case-independent form, for the query key */
  readonly canonical: unknown;
  /** set for a non-numeric exact text condition (lowercase), so any-of lists can merge them into one Set */
  readonly plainText?: string;
  /**
   * Set when the condition matches exactly the texts (and booleans) equal, ignoring case, to one of these lowercase
   * texts, and nothing else: a render pass can then find the matching rows in an index of the field's values.
   */
  readonly texts?: readonly string[];
}

/** A condition that cannot be compiled: the message says why. */
export class ConditionError extends ClientInputError {}

type Comparator = '>' | '>=' | '<' | '<=';
type Operator = Comparator | '!=';

/** A leading `>=`, `<=`, `!=`, `>` or `<` (after blanks) and the rest of the text, trimmed; undefined without one. */
function splitComparison(condition: string): { operator: Operator; operand: string } | undefined {
  const text = condition.trimStart();
  const first = text[0];
  if (first !== '>' && first !== '<' && first !== '!') return undefined;
  const twoChar = text[1] === '=';
  if (first === '!' && !twoChar) return undefined;
  const operator = (twoChar ? `${first}=` : first) as Operator;
  return { operator, operand: text.slice(operator.length).trim() };
}

/** One closure per operator, so the hot path is a single inlined comparison. */
function matchComparison(operator: Comparator, threshold: number): ValueMatcher {
  // NaN (a non-numeric field) fails every comparison
  switch (operator) {
    case '>':
      return (value) => (typeof value === 'number' ? value : toNumeric(value)) > threshold;
    case '>=':
      return (value) => (typeof value === 'number' ? value : toNumeric(value)) >= threshold;
    case '<':
      return (value) => (typeof value === 'number' ? value : toNumeric(value)) < threshold;
    case '<=':
      return (value) => (typeof value === 'number' ? value : toNumeric(value)) <= threshold;
  }
}

/** Lowercasing changes a string's length only for "İ" (→ "i̇"), so without U+0307 lengths must agree. */
function lowercaseKeepsLength(lower: string): boolean {
  return !lower.includes('\u0307');
}

/** Equal, ignoring case, to one of the lowercase texts; toLowerCase only runs when a length fits. */
function matchAnyText(lowers: readonly string[]): ValueMatcher {
  const texts = new Set(lowers);
  const lengths = lowers.every(lowercaseKeepsLength) ? new Set(lowers.map((lower) => lower.length)) : undefined;
  return (value) => {
    if (typeof value === 'string') {
      return texts.has(value) || ((lengths === undefined || lengths.has(value.length)) && texts.has(value.toLowerCase()));
    }
    return typeof value === 'boolean' && texts.has(value ? 'true' : 'false');
  };
}

/** A numeric text ("1000000") matches equal text and equal values (1000000, "$1,000,000"). */
function matchNumericText(condition: string, asNumber: number): ValueMatcher {
  const sameText = matchAnyText([condition.toLowerCase()]);
  return (value) => {
    if (typeof value === 'number') return value === asNumber;
    return sameText(value) || (typeof value === 'string' && parseNumericString(value) === asNumber);
  };
}

/** Exact match on a text condition. */
function compileText(condition: string): CompiledCondition {
  const lower = condition.toLowerCase();
  const asNumber = parseNumericString(condition);
  if (Number.isNaN(asNumber)) return { matches: matchAnyText([lower]), canonical: lower, plainText: lower, texts: [lower] };
  return { matches: matchNumericText(condition, asNumber), canonical: lower };
}

function matchNumberExactly(condition: number): ValueMatcher {
  return (value) => {
    if (typeof value === 'number') return value === condition;
    if (typeof value === 'string') return parseNumericString(value) === condition;
    return false;
  };
}

function matchBoolean(condition: boolean): ValueMatcher {
  const text = String(condition);
  return (value) => value === condition || (typeof value === 'string' && value.toLowerCase() === text);
}

function compileString(condition: string): CompiledCondition {
  if (condition.length > QUERY_LIMITS.maxConditionLength) {
    throw new ConditionError(`a condition is longer than ${QUERY_LIMITS.maxConditionLength} characters`);
  }
  const comparison = splitComparison(condition);
  if (!comparison) return compileText(condition);

  const { operator, operand } = comparison;
  if (operator === '!=') {
    const equals = compileText(operand).matches;
    return {
      matches: (value) => value !== null && !equals(value),
      canonical: `!=${operand.toLowerCase()}`,
    };
  }
  const threshold = parseNumericString(operand);
  if (Number.isNaN(threshold)) throw new ConditionError(`comparison ${quoteClipped(condition)} needs a number after ${operator}`);
  return { matches: matchComparison(operator as Comparator, threshold), canonical: `${operator}${threshold}` };
}

function compileAnyOf(conditions: readonly unknown[]): CompiledCondition {
  if (conditions.length > QUERY_LIMITS.maxFilterListValues) {
    throw new ConditionError(`a list has ${conditions.length} conditions; at most ${QUERY_LIMITS.maxFilterListValues}`);
  }
  const compiled = conditions.map((condition) => {
    if (Array.isArray(condition)) throw new ConditionError('a list of conditions cannot contain another list');
    return compileCondition(condition);
  });
  if (compiled.length === 1) return compiled[0];

  const texts = compiled.flatMap((condition) => (condition.plainText === undefined ? [] : [condition.plainText]));
  const others = compiled.filter((condition) => condition.plainText === undefined).map((condition) => condition.matches);
  const matchers = texts.length > 0 ? [matchAnyText(texts), ...others] : others;
  const canonical = [...new Set(compiled.map((condition) => JSON.stringify(condition.canonical)))].sort();
  return {
    matches:
      matchers.length === 1
        ? matchers[0]
        : (value) => {
            for (let i = 0; i < matchers.length; i++) if (matchers[i](value)) return true;
            return false;
          },
    canonical: canonical.map((text) => JSON.parse(text) as unknown),
    texts: others.length === 0 ? texts : undefined,
  };
}

export function compileCondition(condition: unknown): CompiledCondition {
  if (typeof condition === 'string') return compileString(condition);
  if (typeof condition === 'number' && Number.isFinite(condition)) {
    return { matches: matchNumberExactly(condition), canonical: condition };
  }
  if (typeof condition === 'boolean') return { matches: matchBoolean(condition), canonical: condition };
  if (condition === null) return { matches: (value) => value === null, canonical: null };
  if (Array.isArray(condition)) return compileAnyOf(condition);
  throw new ConditionError('condition must be a string, number, boolean, null or a list of those');
}

/** Tests a field value against a matcher; a list value matches when any element does. */
export function valueMatches(value: unknown, matches: ValueMatcher): boolean {
  if (!Array.isArray(value)) return matches(value);
  for (let i = 0; i < value.length; i++) if (matches(value[i])) return true;
  return false;
}
