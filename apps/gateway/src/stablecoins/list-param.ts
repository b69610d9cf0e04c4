/**
 * A list param given as `a,b,c`, as a JSON array in the query string (`["a","b"]`), or as an array in an update
 * message. Items are trimmed and lower-cased, empties and repeats dropped. Anything else is returned unchanged so
 * the validators reject it with a clear message.
 */
export function parseListParam(value: unknown): unknown {
  let items: unknown = value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('[')) {
      try {
        items = JSON.parse(text);
      } catch {
        return value; // not a list: IsArray names the param
      }
    } else {
      items = text.split(',');
    }
  }
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) return items;
  return [...new Set(items.map((item) => item.trim().toLowerCase()).filter((item) => item !== ''))];
}
