/**
 * The rows of a snapshot grouped by one field's value, ignoring case: what a render pass builds once per field when
 * several views filter that field by exact text (each chain's views, each category's). A view's filter then tests
 * only the rows listed under its texts, instead of every row of the snapshot.
 */
import { isObjectRow, MISSING, readField, type FieldName } from './field-access';

export class TextIndex {
  /** row positions, ascending, by the lowercase text (or "true"/"false") of the field */
  private readonly byText = new Map<string, number[]>();
  /** rows that lack the field (a nested match may still keep them) or hold a list there: always candidates */
  private readonly unindexed: number[] = [];

  constructor(rows: readonly unknown[], field: FieldName) {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      if (!isObjectRow(row)) continue;
      const value = readField(row, field);
      let text: string;
      if (typeof value === 'string') text = value.toLowerCase();
      else if (typeof value === 'boolean') text = value ? 'true' : 'false';
      else if (value === MISSING || Array.isArray(value)) {
        this.unindexed.push(i);
        continue;
      } else continue; // numbers, null, objects: no text condition matches them
      const positions = this.byText.get(text);
      if (positions === undefined) this.byText.set(text, [i]);
      else positions.push(i);
    }
  }

  /**
   * Ascending positions of every row that may equal one of `texts` (lowercase) in the field: a superset of the rows a
   * text condition on the field keeps, so the caller still applies the whole filter to each.
   */
  candidates(texts: readonly string[]): number[] {
    const lists: number[][] = [];
    for (const text of new Set(texts)) {
      const positions = this.byText.get(text);
      if (positions !== undefined) lists.push(positions);
    }
    if (this.unindexed.length > 0) lists.push(this.unindexed);
    if (lists.length === 0) return [];
    if (lists.length === 1) return lists[0];
    const merged = new Int32Array(lists.reduce((total, list) => total + list.length, 0));
    let at = 0;
    for (const list of lists) for (let i = 0; i < list.length; i++) merged[at++] = list[i];
    merged.sort();
    return Array.from(merged);
  }
}
