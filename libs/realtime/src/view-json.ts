/**
 * `JSON.stringify` of a rendered view, with the rows serialised once per refresh. The views of one refresh are pages
 * of the same snapshot, so most rows appear in several of them (the 50 views of bench:fanout hold 2,500 rows, 1,430
 * of them distinct), and formatting their numbers is most of the serialising. An object element of one of the body's
 * top-level arrays (`data`, `rows`, `results`: the pages) is serialised once and its text reused by every later view
 * of the same refresh; everything else goes through `JSON.stringify` as before, and the text is the same.
 *
 * Like the query memo, it relies on render not mutating the loaded data during a refresh (a render builds new
 * objects when it needs different ones).
 */
export class RowJsonMemo {
  private readonly texts = new Map<object, string>();

  /** The JSON text of `body`, exactly what `JSON.stringify(body)` gives. */
  view(body: Record<string, unknown>): string {
    if (Array.isArray(body)) return this.array(body);
    if (typeof body.toJSON === 'function') return JSON.stringify(body);
    return `{${this.members(body)}}`;
  }

  /**
   * The text between the braces of `view(body)` (`"data":[...],"count":3`; empty for `{}`): what the hub frames, with
   * its own fields before and after. Built without the braces, so the text is never copied just to strip them.
   */
  members(body: Record<string, unknown>): string {
    if (Array.isArray(body) || typeof body.toJSON === 'function') return JSON.stringify(body).slice(1, -1);
    let json = '';
    for (const key of Object.keys(body)) {
      const value = body[key];
      const valueJson = Array.isArray(value) ? this.array(value) : JSON.stringify(value);
      if (valueJson === undefined) continue; // undefined, functions and symbols are left out, as JSON.stringify does
      json += json ? `,${JSON.stringify(key)}:${valueJson}` : `${JSON.stringify(key)}:${valueJson}`;
    }
    return json;
  }

  private array(items: readonly unknown[]): string {
    if (typeof (items as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(items);
    let json = '[';
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      let itemJson: string | undefined;
      if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
        itemJson = this.texts.get(item);
        if (itemJson === undefined) this.texts.set(item, (itemJson = JSON.stringify(item) ?? 'null'));
      } else {
        itemJson = JSON.stringify(item) ?? 'null'; // in an array, what JSON.stringify leaves out is null
      }
      json += i === 0 ? itemJson : `,${itemJson}`;
    }
    return `${json}]`;
  }
}
