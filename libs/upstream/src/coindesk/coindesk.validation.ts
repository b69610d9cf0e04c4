import { shapeProblems, ShapeRules } from '../validation/shape';

const ENVELOPE_RULES: ShapeRules = { Data: 'object', Err: 'object' };

/** What the features read from a futures tick; all optional (field names unconfirmed), but typed when present. */
const TICK_RULES: ShapeRules = {
  MARKET: 'string?',
  INSTRUMENT: 'string?',
  MAPPED_INSTRUMENT: 'string?',
  QUOTE_CURRENCY: 'string?',
  CONTRACT_CURRENCY: 'string?',
  INDEX_UNDERLYING: 'string?',
  PRICE: 'number?',
  PRICE_LAST_UPDATE_TS: 'number?',
  MOVING_24_HOUR_VOLUME: 'number?',
  MOVING_24_HOUR_QUOTE_VOLUME: 'number?',
};

/** Problems of a `{ Data: { <instrument>: tick }, Err }` body. An error body (`Data: {}`) is valid here: the client reads its `Err`. */
export function tickEnvelopeProblems(body: unknown): string[] {
  const problems = shapeProblems(body, ENVELOPE_RULES);
  if (problems.length > 0) return problems;
  const data = (body as { Data: Record<string, unknown> }).Data;
  return Object.entries(data).flatMap(([instrument, tick]) => {
    if (typeof tick !== 'object' || tick === null || Array.isArray(tick)) return [`Data.${instrument}: expected object`];
    return shapeProblems(tick, TICK_RULES).map((problem) => `Data.${instrument}.${problem}`);
  });
}
