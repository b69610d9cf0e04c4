import { DriftModel, hashString, mulberry32 } from '../../random';

/**
 * The stablecoins the simulator serves through DefiLlama (`/stablecoins`, `/stablecoinprices`) and CoinGecko
 * (`/coins/markets?category=stablecoins`, `/coins/{id}/market_chart`), so both upstreams tell one consistent story.
 *
 * Identities (DefiLlama ids, CoinGecko ids, peg types, mechanisms) are public facts; supplies and chain splits
 * are SYNTHESISED round approximations of late-2025 public figures (no full `/stablecoins` body was ever
 * recorded). `recordedPrice` is the coin's price in the recorded `/stablecoinprices` item (2024-01-08), where
 * there is one: those coins trade around it (Neutrino USD stays broken at ~0.056, as recorded).
 */
export interface CatalogCoin {
  /** DefiLlama id */
  id: string;
  name: string;
  symbol: string;
  geckoId: string;
  pegType: 'peggedUSD' | 'peggedEUR';
  pegMechanism: 'fiat-backed' | 'crypto-backed' | 'algorithmic';
  /** circulating in USD at REFERENCE_DAY_MS */
  circulatingUsd: number;
  /** relative change of supply per day (trend) */
  dailyGrowth: number;
  /** DefiLlama chain name → share of supply (normalised when used) */
  chains: Record<string, number>;
  /** USD value of one unit of the peg (1 for USD, EUR/USD for EUR) */
  pegUsd: number;
  recordedPrice?: number;
  /** CoinGecko large image URL (recorded for tether, usd-coin, binance-usd, dai; the others are look-alikes) */
  image: string;
  /** chance per day that a depeg excursion starts (historical prices only) */
  excursionChance: number;
  /** a depeg excursion starts every `excursionEveryDays` days (a coin the sandbox keeps fragile, so event_logs has history) */
  excursionEveryDays?: number;
}

export const DAY_MS = 86_400_000;
/** Supplies in the catalog are as of this day; the trend runs from here. */
export const REFERENCE_DAY_MS = Date.UTC(2025, 10, 1);
/** EUR/USD used for euro coins' peg. */
const EUR_USD = 1.08;

const img = (n: number, slug: string) => `https://coin-images.coingecko.com/coins/images/${n}/large/${slug}.png`;

export const STABLECOIN_CATALOG: readonly CatalogCoin[] = [
  {
    id: '1', name: 'Tether', symbol: 'USDT', geckoId: 'tether', pegType: 'peggedUSD', pegMechanism: 'fiat-backed',
    circulatingUsd: 183e9, dailyGrowth: 0.0008, pegUsd: 1, excursionChance: 0.003,
    chains: { Tron: 0.42, Ethereum: 0.45, BSC: 0.035, Solana: 0.012, Polygon: 0.008, Arbitrum: 0.02, Avalanche: 0.01, Optimism: 0.005 },
    image: 'https://assets.coingecko.com/coins/images/325/large/Tether.png?1668148663',
  },
  {
    id: '2', name: 'USD Coin', symbol: 'USDC', geckoId: 'usd-coin', pegType: 'peggedUSD', pegMechanism: 'fiat-backed',
    circulatingUsd: 74e9, dailyGrowth: 0.0005, pegUsd: 1, excursionChance: 0.003,
    chains: { Ethereum: 0.55, Solana: 0.15, Base: 0.06, Arbitrum: 0.07, Polygon: 0.02, BSC: 0.01, Avalanche: 0.02, Optimism: 0.01 },
    image: 'https://assets.coingecko.com/coins/images/6319/large/USD_Coin_icon.png?1547042389',
  },
  {
    id: '146', name: 'Ethena USDe', symbol: 'USDe', geckoId: 'ethena-usde', pegType: 'peggedUSD', pegMechanism: 'crypto-backed',
    circulatingUsd: 9.5e9, dailyGrowth: -0.001, pegUsd: 1, excursionChance: 0.02,
    chains: { Ethereum: 0.9, Arbitrum: 0.03, Solana: 0.02, BSC: 0.05 },
    image: img(33613, 'usde'),
  },
  {
    id: '5', name: 'Dai', symbol: 'DAI', geckoId: 'dai', pegType: 'peggedUSD', pegMechanism: 'crypto-backed',
    circulatingUsd: 4.4e9, dailyGrowth: -0.0003, pegUsd: 1, excursionChance: 0.01,
    chains: { Ethereum: 0.85, Arbitrum: 0.05, Polygon: 0.03, Optimism: 0.03, BSC: 0.02, Base: 0.02 },
    image: 'https://assets.coingecko.com/coins/images/9956/large/4943.png?1636636734',
  },
  {
    id: '120', name: 'PayPal USD', symbol: 'PYUSD', geckoId: 'paypal-usd', pegType: 'peggedUSD', pegMechanism: 'fiat-backed',
    circulatingUsd: 2.6e9, dailyGrowth: 0.002, pegUsd: 1, excursionChance: 0.01,
    chains: { Ethereum: 0.55, Solana: 0.45 },
    image: img(31212, 'PYUSD_Logo_%282%29'),
  },
  {
    id: '119', name: 'First Digital USD', symbol: 'FDUSD', geckoId: 'first-digital-usd', pegType: 'peggedUSD', pegMechanism: 'fiat-backed',
    circulatingUsd: 1.6e9, dailyGrowth: -0.0005, pegUsd: 1, recordedPrice: 1, excursionChance: 0.02, excursionEveryDays: 6,
    chains: { BSC: 0.6, Ethereum: 0.35, Solana: 0.05 },
    image: img(31079, 'firstfigital'),
  },
  {
    id: '7', name: 'TrueUSD', symbol: 'TUSD', geckoId: 'true-usd', pegType: 'peggedUSD', pegMechanism: 'fiat-backed',
    circulatingUsd: 4.9e8, dailyGrowth: -0.001, pegUsd: 1, recordedPrice: 0.998922, excursionChance: 0.03,
    chains: { Tron: 0.75, Ethereum: 0.15, BSC: 0.1 },
    image: img(3449, 'tusd'),
  },
  {
    id: '4', name: 'Binance USD', symbol: 'BUSD', geckoId: 'binance-usd', pegType: 'peggedUSD', pegMechanism: 'fiat-backed',
    circulatingUsd: 6.0e7, dailyGrowth: -0.002, pegUsd: 1, excursionChance: 0.02,
    chains: { Ethereum: 0.6, BSC: 0.4 },
    image: 'https://assets.coingecko.com/coins/images/9576/large/BUSD.png?1568947766',
  },
  {
    id: '11', name: 'Pax Dollar', symbol: 'USDP', geckoId: 'paxos-standard', pegType: 'peggedUSD', pegMechanism: 'fiat-backed',
    circulatingUsd: 5.8e7, dailyGrowth: 0, pegUsd: 1, recordedPrice: 1, excursionChance: 0.01,
    chains: { Ethereum: 1 },
    image: img(6013, 'Pax_Dollar'),
  },
  {
    id: '129', name: 'Mountain Protocol USD', symbol: 'USDM', geckoId: 'mountain-protocol-usdm', pegType: 'peggedUSD', pegMechanism: 'fiat-backed',
    circulatingUsd: 6.0e7, dailyGrowth: 0, pegUsd: 1, recordedPrice: 1.002, excursionChance: 0.01,
    chains: { Ethereum: 0.8, Polygon: 0.1, Arbitrum: 0.1 },
    image: img(31719, 'usdm'),
  },
  {
    id: '9', name: 'Vai', symbol: 'VAI', geckoId: 'vai', pegType: 'peggedUSD', pegMechanism: 'crypto-backed',
    circulatingUsd: 3.0e7, dailyGrowth: 0, pegUsd: 1, recordedPrice: 0.997994, excursionChance: 0.04,
    chains: { BSC: 1 },
    image: img(13861, 'VAI_logo'),
  },
  {
    id: '12', name: 'Neutrino USD', symbol: 'USDN', geckoId: 'neutrino', pegType: 'peggedUSD', pegMechanism: 'algorithmic',
    circulatingUsd: 2.0e6, dailyGrowth: -0.001, pegUsd: 1, recordedPrice: 0.056039, excursionChance: 0,
    chains: { Waves: 1 },
    image: img(10117, 'USDN'),
  },
  {
    id: '50', name: 'Euro Coin', symbol: 'EURC', geckoId: 'euro-coin', pegType: 'peggedEUR', pegMechanism: 'fiat-backed',
    circulatingUsd: 2.2e8, dailyGrowth: 0.002, pegUsd: EUR_USD, excursionChance: 0.01,
    chains: { Ethereum: 0.7, Solana: 0.2, Avalanche: 0.1 },
    image: img(26045, 'euro'),
  },
  {
    id: '101', name: 'EURO E', symbol: 'EUROe', geckoId: 'euroe-stablecoin', pegType: 'peggedEUR', pegMechanism: 'fiat-backed',
    circulatingUsd: 1.0e7, dailyGrowth: 0, pegUsd: EUR_USD, recordedPrice: 1.092, excursionChance: 0.01,
    chains: { Ethereum: 0.8, Polygon: 0.2 },
    image: img(28913, 'euroe'),
  },
];

export function catalogByGeckoId(geckoId: string): CatalogCoin | undefined {
  return STABLECOIN_CATALOG.find((coin) => coin.geckoId === geckoId);
}

/** Where the coin trades when nothing happens: its recorded price, else its peg. */
export function basePrice(coin: CatalogCoin): number {
  return coin.recordedPrice ?? coin.pegUsd;
}

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

/** Live USD price at `tMs`: ±0.15 % noise around the base price (±0.3 % for non-fiat designs). */
export function livePriceUsd(coin: CatalogCoin, drift: DriftModel, tMs: number): number {
  const amplitude = coin.pegMechanism === 'fiat-backed' ? 0.0015 : 0.003;
  return round(basePrice(coin) * (1 + amplitude * drift.noise(`stablecoin.price.${coin.geckoId}`, tMs)), 6);
}

/** Circulating USD at `tMs`: the catalog supply, its daily trend from REFERENCE_DAY_MS, and ±0.2 % noise. */
export function circulatingUsd(coin: CatalogCoin, drift: DriftModel, tMs: number): number {
  const days = (tMs - REFERENCE_DAY_MS) / DAY_MS;
  return round(coin.circulatingUsd * (1 + coin.dailyGrowth) ** days * drift.factor(`stablecoin.supply.${coin.id}`, tMs, 0.002), 2);
}

/** The chain split, normalised to 1. */
export function chainShares(coin: CatalogCoin): Array<[string, number]> {
  const total = Object.values(coin.chains).reduce((sum, share) => sum + share, 0);
  return Object.entries(coin.chains).map(([chain, share]) => [chain, share / total]);
}

/** Uniform [0, 1) for (seed, key, index): independent of the drift lattice, for day-level events. */
export function dailyUniform(seed: number, key: string, index: number): number {
  return mulberry32(hashString(`${seed}|${key}|${index}`))();
}

/**
 * Depth of the depeg excursion the coin is in on day `dayIndex` (days since the epoch), or 0.
 * An excursion starts on a day with chance `excursionChance` (or every `excursionEveryDays` days), lasts one or two
 * days and takes the price 1.2–4 % below its base. A function of (seed, coin, day) only: history never changes.
 */
export function excursionDepth(coin: CatalogCoin, seed: number, dayIndex: number): number {
  for (const start of [dayIndex, dayIndex - 1]) {
    const forced = coin.excursionEveryDays !== undefined && (start + seed) % coin.excursionEveryDays === 0;
    if (!forced && !(dailyUniform(seed, `excursion.${coin.geckoId}`, start) < coin.excursionChance)) continue;
    const lastsTwoDays = dailyUniform(seed, `excursion-length.${coin.geckoId}`, start) < 0.4;
    if (start === dayIndex || lastsTwoDays) return 0.012 + 0.028 * dailyUniform(seed, `excursion-depth.${coin.geckoId}`, start);
  }
  return 0;
}

/** Daily (00:00 UTC) USD price: ±0.2 % noise around the base, minus an excursion on the days there is one. */
export function dailyPriceUsd(coin: CatalogCoin, seed: number, dayIndex: number): number {
  const noise = 0.002 * (2 * dailyUniform(seed, `daily-price.${coin.geckoId}`, dayIndex) - 1);
  return round(basePrice(coin) * (1 + noise - excursionDepth(coin, seed, dayIndex)), 6);
}
