/** Close codes of PRODUCT.md "Errors". */
export const CloseCode = {
  GoingAway: 1001,
  PolicyViolation: 1008,
  TryAgainLater: 1013,
  Unauthorized: 4401,
  Forbidden: 4403,
} as const;

export type ErrorCode =
  | 'invalid_params'
  | 'invalid_message'
  | 'unauthorized'
  | 'forbidden'
  | 'overloaded'
  | 'rate_limited'
  | 'points_exhausted'
  | 'upstream_unavailable'
  // WS /v1/stream
  | 'unknown_stream'
  | 'unknown_subscription'
  | 'duplicate_subscription'
  | 'too_many_subscriptions';

export interface ErrorDetail {
  param: string;
  message: string;
}

/**
 * Bounds of an error frame. Messages and details often carry client input (parameter names, bad values):
 * capped so that a reply is under 1 KiB, whatever the client sent.
 */
export const ERROR_FRAME_LIMITS = { messageChars: 120, details: 4, paramChars: 40, detailMessageChars: 96 } as const;

/**
 * `{type:"error", code, message, details}`: the first few details, and `more_details` counting the rest.
 * Every string is cut to its bound (an ellipsis marks the cut), so client input is never echoed at length.
 */
export function errorFrame(code: ErrorCode, message: string, details: readonly ErrorDetail[] = []): string {
  return JSON.stringify({ type: 'error', ...errorFields(code, message, details) });
}

/**
 * The same error without `type`, as the body bytes of `FrameSink.write` / `sendPrefixed` (everything after the
 * opening brace): the writer puts `"type":"error","seq":N,` (and on /v1/stream `"sub":"<id>",`) in front.
 */
export function errorBody(code: ErrorCode, message: string, details: readonly ErrorDetail[] = []): Buffer {
  return Buffer.from(JSON.stringify(errorFields(code, message, details)).slice(1));
}

function errorFields(code: ErrorCode, message: string, details: readonly ErrorDetail[]): Record<string, unknown> {
  const { messageChars, paramChars, detailMessageChars } = ERROR_FRAME_LIMITS;
  const shown = details.slice(0, ERROR_FRAME_LIMITS.details).map((detail) => ({
    param: truncate(String(detail.param), paramChars),
    message: truncate(String(detail.message), detailMessageChars),
  }));
  const frame: Record<string, unknown> = { code, message: truncate(message, messageChars), details: shown };
  if (details.length > shown.length) frame.more_details = details.length - shown.length;
  return frame;
}

/** Control characters (6 bytes each once JSON-escaped) become `?`; cuts by UTF-16 code units, never inside a surrogate pair. */
function truncate(raw: string, max: number): string {
  const text = raw.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  if (text.length <= max) return text;
  let end = max - 1;
  if (/[\uD800-\uDBFF]/.test(text[end - 1] ?? '')) end--;
  return `${text.slice(0, end)}…`;
}
