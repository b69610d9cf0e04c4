/** `cf_tokens.vs_token_id` is a Postgres `integer`: no id is larger. */
export const VS_TOKEN_ID_MAX = 2_147_483_647;
const MAX_DIGITS = String(VS_TOKEN_ID_MAX).length;

/**
 * A `vsTokenId` as clients send it: an integer, or the numeric string `vs-token/list` itself returns (`"1"`).
 * Digits only (no sign, exponent, spaces or decimals), at most 10 of them, checked char by char before any
 * conversion; undefined for anything else or outside 1..VS_TOKEN_ID_MAX.
 */
export function parseVsTokenId(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1 && value <= VS_TOKEN_ID_MAX ? value : undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_DIGITS) return undefined;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 48 || code > 57) return undefined;
  }
  const id = Number(value);
  return id >= 1 && id <= VS_TOKEN_ID_MAX ? id : undefined;
}
