import { DriftModel } from '../../random';

/** The parts of CoinGecko's `/global` payload the simulator moves; everything else passes through untouched. */
export interface GlobalPayload {
  data: {
    total_market_cap: Record<string, number>;
    total_volume: Record<string, number>;
    market_cap_percentage: Record<string, number>;
    market_cap_change_percentage_24h_usd: number;
    updated_at: number;
    [field: string]: unknown;
  };
}

export interface CoinPayload {
  id: string;
  symbol: string;
  name: string;
  image: { thumb: string; small: string; large: string };
  last_updated: string;
  [field: string]: unknown;
}

/** How far simulated CoinGecko values may move away from the recording (relative, except the 24h change). */
export const COINGECKO_DRIFT = {
  totalMarketCap: 0.03,
  totalVolume: 0.1,
  /** each coin's share before renormalisation */
  dominance: 0.02,
  /** percentage points added to `market_cap_change_percentage_24h_usd` */
  change24hPoints: 1.5,
} as const;

/**
 * Largest relative deviation of one `market_cap_percentage` value from the recording: each share is scaled by a
 * factor in [1-a, 1+a] and the set renormalised to the recorded sum, so one share moves at most (1+a)/(1-a).
 */
export function maxDominanceDeviation(amplitude: number = COINGECKO_DRIFT.dominance): number {
  return (1 + amplitude) / (1 - amplitude) - 1;
}

/**
 * The recorded `/global` moved to `nowMs`: the whole market scales by one factor in every currency (exchange
 * rates stay put), volumes by another, and the top-10 shares wander but keep their recorded sum, so
 * `market_cap_percentage` still adds up to the same ≤ 100 and BTC dominance stays plausible.
 */
export function simulateGlobal(recorded: GlobalPayload, drift: DriftModel, nowMs: number): GlobalPayload {
  const data = recorded.data;
  const marketCapFactor = drift.factor('coingecko.global.total_market_cap', nowMs, COINGECKO_DRIFT.totalMarketCap);
  const volumeFactor = drift.factor('coingecko.global.total_volume', nowMs, COINGECKO_DRIFT.totalVolume);
  return {
    data: {
      ...data,
      total_market_cap: scaleValues(data.total_market_cap, marketCapFactor),
      total_volume: scaleValues(data.total_volume, volumeFactor),
      market_cap_percentage: driftShares(data.market_cap_percentage, drift, nowMs),
      market_cap_change_percentage_24h_usd:
        data.market_cap_change_percentage_24h_usd + COINGECKO_DRIFT.change24hPoints * drift.noise('coingecko.global.change_24h', nowMs),
      updated_at: Math.floor(nowMs / 1000),
    },
  };
}

function scaleValues(values: Record<string, number>, factor: number): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, value * factor]));
}

function driftShares(shares: Record<string, number>, drift: DriftModel, nowMs: number): Record<string, number> {
  const entries = Object.entries(shares);
  const recordedSum = entries.reduce((sum, [, share]) => sum + share, 0);
  const moved = entries.map(([symbol, share]) => [symbol, share * drift.factor(`coingecko.global.dominance.${symbol}`, nowMs, COINGECKO_DRIFT.dominance)] as const);
  const movedSum = moved.reduce((sum, [, share]) => sum + share, 0);
  return Object.fromEntries(moved.map(([symbol, share]) => [symbol, (share * recordedSum) / movedSum]));
}

/**
 * Ethereum's identity for `/coins/ethereum`. No Ethereum payload was recorded, so the simulator serves Bitcoin's
 * recorded shape with these fields swapped in (public, stable facts: CoinGecko image id 279, rank 2, genesis 2015-07-30).
 */
const ETHEREUM_OVERRIDES = {
  id: 'ethereum',
  symbol: 'eth',
  name: 'Ethereum',
  web_slug: 'ethereum',
  hashing_algorithm: 'Ethash',
  block_time_in_minutes: 0,
  genesis_date: '2015-07-30',
  market_cap_rank: 2,
  categories: ['Smart Contract Platform', 'Layer 1 (L1)', 'Ethereum Ecosystem'],
  description: { en: 'Ethereum is a global, open-source platform for decentralized applications.' },
  image: {
    thumb: 'https://coin-images.coingecko.com/coins/images/279/thumb/ethereum.png?1696501628',
    small: 'https://coin-images.coingecko.com/coins/images/279/small/ethereum.png?1696501628',
    large: 'https://coin-images.coingecko.com/coins/images/279/large/ethereum.png?1696501628',
  },
};

const ETHEREUM_LINKS = {
  homepage: ['https://www.ethereum.org/'],
  whitepaper: 'https://github.com/ethereum/wiki/wiki/White-Paper',
  blockchain_site: ['https://etherscan.io/'],
  official_forum_url: [],
  twitter_screen_name: 'ethereum',
  facebook_username: 'ethereum',
  subreddit_url: 'https://www.reddit.com/r/ethereum',
  repos_url: { github: ['https://github.com/ethereum/go-ethereum'], bitbucket: [] },
};

/** `/coins/{id}` for the coins the simulator knows (bitcoin as recorded, ethereum derived), or undefined. */
export function simulateCoin(recordedBitcoin: CoinPayload, id: string, nowMs: number): CoinPayload | undefined {
  const lastUpdated = new Date(nowMs).toISOString();
  if (id === 'bitcoin') return { ...recordedBitcoin, last_updated: lastUpdated };
  if (id === 'ethereum') {
    const links = { ...(recordedBitcoin.links as Record<string, unknown> | undefined), ...ETHEREUM_LINKS };
    return { ...recordedBitcoin, ...ETHEREUM_OVERRIDES, links, last_updated: lastUpdated };
  }
  return undefined;
}
