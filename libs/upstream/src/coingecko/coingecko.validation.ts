import { shapeProblems, ShapeRules } from '../validation/shape';

/** What the features rely on in `/global`; everything else may come and go. */
const GLOBAL_RULES: ShapeRules = {
  data: 'object',
  'data.total_market_cap': 'numbers',
  'data.total_volume': 'numbers',
  'data.market_cap_percentage': 'numbers',
  'data.market_cap_change_percentage_24h_usd': 'number?',
  'data.updated_at': 'number',
  'data.active_cryptocurrencies': 'number?',
  'data.markets': 'number?',
};

const COIN_RULES: ShapeRules = {
  id: 'string',
  symbol: 'string',
  name: 'string',
  image: 'object',
  'image.large': 'string',
  'image.small': 'string?',
  'image.thumb': 'string?',
  market_cap_rank: 'number?',
  last_updated: 'string?',
  categories: 'array?',
  description: 'object?',
};

export const globalProblems = (body: unknown): string[] => shapeProblems(body, GLOBAL_RULES);
export const coinProblems = (body: unknown): string[] => shapeProblems(body, COIN_RULES);

const MARKET_ROW_RULES: ShapeRules = {
  id: 'string',
  symbol: 'string',
  name: 'string',
  image: 'string?',
  current_price: 'number',
  market_cap: 'number',
  price_change_percentage_24h: 'number',
};

/** `/coins/markets` is a bare array; a few problems per body are enough to name what changed. */
export const marketsProblems = (body: unknown): string[] => {
  if (!Array.isArray(body)) return ['body: expected array of market rows'];
  const problems: string[] = [];
  for (let i = 0; i < body.length && problems.length < 5; i++) problems.push(...shapeProblems(body[i], MARKET_ROW_RULES).map((p) => `[${i}].${p}`));
  return problems;
};

export const marketChartProblems = (body: unknown): string[] =>
  shapeProblems(body, { prices: 'array', market_caps: 'array?', total_volumes: 'array?' });
