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
  | 'upstream_unavailable';

export interface ErrorDetail {
  param: string;
  message: string;
}

export function errorFrame(code: ErrorCode, message: string, details: ErrorDetail[] = []): string {
  return JSON.stringify({ type: 'error', code, message, details });
}
