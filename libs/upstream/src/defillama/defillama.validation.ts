import { shapeProblems, ShapeRules } from '../validation/shape';

const STABLECOINS_RULES: ShapeRules = { peggedAssets: 'array', chains: 'array?' };
const ASSET_RULES: ShapeRules = {
  id: 'string',
  name: 'string',
  symbol: 'string',
  pegType: 'string',
  circulating: 'numbers',
  chainCirculating: 'object?',
  price: 'number?',
};
const CHART_POINT_RULES: ShapeRules = { totalCirculatingUSD: 'numbers?' };
const PRICE_POINT_RULES: ShapeRules = { date: 'number', prices: 'numbers' };

/** Checks the envelope and every element with `rules`; reports at most a few problems, prefixed with the index. */
function arrayProblems(items: unknown, label: string, rules: ShapeRules, extra?: (item: unknown) => string[]): string[] {
  if (!Array.isArray(items)) return [`${label}: expected array`];
  const problems: string[] = [];
  for (let i = 0; i < items.length && problems.length < 5; i++) {
    for (const problem of [...shapeProblems(items[i], rules), ...(extra?.(items[i]) ?? [])]) problems.push(`${label}[${i}].${problem}`);
  }
  return problems;
}

/** `date` arrives as a string of seconds in the charts (a number elsewhere): accept both, refuse anything else. */
function chartDateProblems(item: unknown): string[] {
  const date = (item as { date?: unknown } | null)?.date;
  const seconds = typeof date === 'string' ? Number(date) : date;
  return typeof seconds === 'number' && Number.isFinite(seconds) ? [] : [`date: expected unix seconds, got ${JSON.stringify(date)}`];
}

export const stablecoinsProblems = (body: unknown): string[] => {
  const problems = shapeProblems(body, STABLECOINS_RULES);
  return problems.length > 0 ? problems : arrayProblems((body as { peggedAssets: unknown }).peggedAssets, 'peggedAssets', ASSET_RULES);
};
export const chartProblems = (body: unknown): string[] => arrayProblems(body, 'charts', CHART_POINT_RULES, chartDateProblems);
export const pricesProblems = (body: unknown): string[] => arrayProblems(body, 'prices', PRICE_POINT_RULES);
