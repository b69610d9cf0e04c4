import { shapeProblems, ShapeRules } from '../validation/shape';

/** What the features rely on in a book-summary row; everything else may come and go. */
const ROW_RULES: ShapeRules = {
  instrument_name: 'string',
  base_currency: 'string?',
  quote_currency: 'string?',
  creation_timestamp: 'number',
  open_interest: 'number',
  volume: 'number?',
  volume_usd: 'number?',
  mark_price: 'number?',
  estimated_delivery_price: 'number?',
  underlying_price: 'number?',
  underlying_index: 'string?',
};

const MAX_REPORTED = 5;

/**
 * Problems of a JSON-RPC book-summary body: an `error` member is not a shape problem (the client reports it), a
 * success must carry `result` as an array of rows with the fields above.
 */
export function bookSummaryProblems(body: unknown): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ['body: expected a JSON-RPC object'];
  const { result, error } = body as { result?: unknown; error?: unknown };
  if (error !== undefined) return shapeProblems(body, { error: 'object', 'error.code': 'number', 'error.message': 'string' });
  if (!Array.isArray(result)) return [result === undefined ? 'result: missing' : 'result: expected array'];
  const problems: string[] = [];
  for (let i = 0; i < result.length && problems.length < MAX_REPORTED; i++) {
    problems.push(...shapeProblems(result[i], ROW_RULES).map((problem) => `result[${i}].${problem}`));
  }
  return problems.slice(0, MAX_REPORTED);
}
