/**
 * Deterministic market rows for the filter-pipe benchmark: the same seed always yields the same
 * rows, so our pipe and pandas see identical data and must produce identical pages.
 */

export interface MarketRow {
  rank: number;
  name: string;
  symbol: string;
  price: number;
  market_cap: number;
  /** formatted like upstream display values: "$1,234,567" (sometimes "N/A") */
  volume_24h: string;
  change_24h: string;
  chain: string;
  category: string;
  last_updated: number;
}

const NAME_PREFIXES = ['USD', 'Euro', 'Gold', 'Yield', 'Stable', 'Wrapped', 'Bridged', 'Staked', 'Liquid', 'Synthetic'];
const NAME_NOUNS = ['Coin', 'Dollar', 'Token', 'Cash', 'Pay', 'Vault', 'Note', 'Reserve'];
const CHAINS = ['ethereum', 'solana', 'tron', 'bsc', 'polygon', 'arbitrum', 'avalanche', 'base'];
const CATEGORIES = ['stablecoin', 'defi', 'layer-1', 'layer-2', 'meme', 'gaming', 'rwa'];
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** mulberry32: tiny, fast, good enough for benchmark data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const USD = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function generateMarketRows(count: number, seed = 20240702): MarketRow[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  /** log-uniform between 10^low and 10^high, like real market sizes */
  const logUniform = (low: number, high: number): number => 10 ** (low + random() * (high - low));

  return Array.from({ length: count }, (_, index) => {
    const ticker = Array.from({ length: 3 + Math.floor(random() * 3) }, () => pick([...LETTERS])).join('');
    return {
      rank: index + 1,
      name: `${pick(NAME_PREFIXES)} ${pick(NAME_NOUNS)} ${index}`,
      // the index suffix keeps symbols unique, so comparing symbols compares rows
      symbol: `${ticker}${index.toString(36).toUpperCase()}`,
      price: Math.round(logUniform(-4, 5) * 1e6) / 1e6,
      market_cap: Math.round(logUniform(3, 11)),
      volume_24h: random() < 0.01 ? 'N/A' : `$${USD.format(Math.round(logUniform(2, 10)))}`,
      change_24h: `${((random() - 0.5) * 40).toFixed(2)} %`,
      chain: pick(CHAINS),
      category: pick(CATEGORIES),
      last_updated: 1719878400 + Math.floor(random() * 86_400),
    };
  });
}
