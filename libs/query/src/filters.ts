/**
 * `filters={"field": condition, ...}` compiled into one row predicate (all fields must match).
 *
 * Nested rows: when a row has no such field, the row matches if any object element of one of its
 * array fields matches (a distribution row `{stablecoin, chains: [{chain, usd, percent}]}` filtered
 * with `{"chain": "ethereum"}`). Each field condition is checked on its own, so two conditions may
 * be satisfied by different elements. The row is returned whole: its `chains` are NOT pruned to the
 * matching elements, because totals and percentages beside them describe the whole row and a
 * filtered view must not silently change what they mean.
 *
 * A field that a row lacks (also when nested) never matches, not even a "!=" condition, so a filter
 * on an unknown field matches nothing rather than failing.
 */
import { compileCondition, ConditionError, valueMatches, type ValueMatcher } from './conditions';
import { quoteClipped } from './limits';
import { fieldName, MISSING, readField, someNestedObject, type FieldName, type Row } from './field-access';

export type RowPredicate = (row: Row) => boolean;

export interface CompiledFilters {
  /** undefined when there is nothing to filter */
  readonly predicate?: RowPredicate;
  /** keys sorted, conditions canonical: for the query key */
  readonly canonical: Record<string, unknown>;
  /** one message per bad field condition */
  readonly problems: string[];
  /**
   * A field whose condition only matches the given lowercase texts (the first such, by name): every row the predicate
   * keeps has one of them in that field, or lacks the field or holds a list there (`TextIndex.candidates`).
   */
  readonly indexable?: { readonly field: FieldName; readonly texts: readonly string[] };
}

function fieldPredicate(field: FieldName, matches: ValueMatcher): RowPredicate {
  // built once per field so the nested fallback allocates nothing per row
  const elementMatches = (element: Row): boolean => {
    const value = readField(element, field);
    return value !== MISSING && valueMatches(value, matches);
  };
  return (row) => {
    const value = readField(row, field);
    if (value !== MISSING) return valueMatches(value, matches);
    return someNestedObject(row, elementMatches);
  };
}

function allOf(predicates: readonly RowPredicate[]): RowPredicate | undefined {
  if (predicates.length === 0) return undefined;
  if (predicates.length === 1) return predicates[0];
  return (row) => {
    for (let i = 0; i < predicates.length; i++) if (!predicates[i](row)) return false;
    return true;
  };
}

/**
 * Field names come from the client: they are only ever Map keys here and keys of a null-prototype object in
 * `canonical`, so no name (`__proto__` included) can be dropped from the query key or reach Object.prototype.
 */
export function compileFilters(filters: ReadonlyMap<string, unknown>): CompiledFilters {
  const predicates: RowPredicate[] = [];
  const canonical = Object.create(null) as Record<string, unknown>;
  const problems: string[] = [];
  let indexable: CompiledFilters['indexable'];
  for (const name of [...filters.keys()].sort()) {
    try {
      const condition = compileCondition(filters.get(name));
      const field = fieldName(name);
      predicates.push(fieldPredicate(field, condition.matches));
      if (indexable === undefined && condition.texts !== undefined) indexable = { field, texts: condition.texts };
      canonical[name] = condition.canonical;
    } catch (error) {
      if (!(error instanceof ConditionError)) throw error;
      problems.push(`field ${quoteClipped(name)}: ${error.message}`);
    }
  }
  return { predicate: allOf(predicates), canonical, problems, indexable };
}
