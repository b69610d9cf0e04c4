const EXCERPT_LENGTH = 120;

/** A short, single-line, printable excerpt of an upstream body for error messages and logs. */
export function excerpt(text: string, maxLength: number = EXCERPT_LENGTH): string {
  const printable = text.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]+/g, ' ').replace(/\s+/g, ' ').trim();
  if (printable.length === 0) return text.length > 0 ? `<${text.length} unprintable chars>` : '<empty body>';
  return printable.length > maxLength ? `${printable.slice(0, maxLength)}…` : printable;
}

export type JsonParseResult = { ok: true; value: unknown } | { ok: false };

export function parseJson(text: string): JsonParseResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}
