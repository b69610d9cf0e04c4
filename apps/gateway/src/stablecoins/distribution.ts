import type { DefiLlamaChainCirculating, DefiLlamaPeggedAsset } from '@app/upstream';
import { roundTo } from '@app/query';
import { sumPegAmounts } from './peg-amounts';

export const DEFAULT_DISTRIBUTION_CHAINS = ['ethereum', 'bsc', 'tron', 'solana', 'polygon'] as const;
export const DISTRIBUTION_PERIODS = ['1d', '7d', '30d'] as const;
export type DistributionPeriod = (typeof DISTRIBUTION_PERIODS)[number];

/** The DefiLlama snapshot each period's change is measured against. */
const PREVIOUS: Readonly<Record<DistributionPeriod, keyof DefiLlamaChainCirculating>> = {
  '1d': 'circulatingPrevDay',
  '7d': 'circulatingPrevWeek',
  '30d': 'circulatingPrevMonth',
};

export const DISTRIBUTION_HEADERS = [
  { key: 'chain', label: 'Blockchain' },
  { key: 'stablecoin', label: 'Stablecoin' },
  { key: 'market_cap', label: 'Market Cap' },
  { key: 'percentage', label: 'Percentage' },
  { key: 'change_24h', label: '24h Change' },
] as const;

export interface ChainShare {
  /** the chain as requested (lower case) */
  chain: string;
  usd: number;
  /** share of the row's `total_usd`, percent, 2 decimals */
  percent: number;
  /** change of `usd` over the period, percent, 2 decimals; null without a previous value */
  change_percent: number | null;
}

export interface DistributionRow {
  stablecoin: string;
  name: string;
  chains: ChainShare[];
  /** Σ usd over the requested chains */
  total_usd: number;
  change_percent: number | null;
  /** unix seconds of the DefiLlama snapshot */
  timestamp: number;
}

/**
 * Per-stablecoin split over the requested chains, from `/stablecoins` `chainCirculating`:
 * usd = Σ of the chain's `current` amounts (all peg types; USD values), total_usd = Σ usd over the requested chains,
 * percent = usd / total_usd × 100. Chains are matched case-insensitively (`bsc` = DefiLlama's `BSC`); chains where
 * the coin has nothing are left out; coins with nothing on any requested chain are left out. Sorted by total_usd desc.
 */
export function distributionRows(assets: readonly DefiLlamaPeggedAsset[], chains: readonly string[], period: DistributionPeriod, timestamp: number): DistributionRow[] {
  const wanted = chains.map((chain) => chain.toLowerCase());
  const previousKey = PREVIOUS[period];
  const rows: DistributionRow[] = [];
  for (const asset of assets) {
    if (asset.deprecated || asset.delisted) continue;
    const byLowerName = new Map(Object.entries(asset.chainCirculating ?? {}).map(([name, balances]) => [name.toLowerCase(), balances]));
    const parts = wanted.flatMap((chain) => {
      const balances = byLowerName.get(chain);
      const usd = roundTo(sumPegAmounts(balances?.current), 2);
      return usd > 0 ? [{ chain, usd, previous: sumPegAmounts(balances?.[previousKey]) }] : [];
    });
    const total = roundTo(parts.reduce((sum, part) => sum + part.usd, 0), 2);
    if (total <= 0) continue;
    const previousTotal = parts.reduce((sum, part) => sum + part.previous, 0);
    rows.push({
      stablecoin: asset.symbol,
      name: asset.name,
      chains: parts.map((part) => ({ chain: part.chain, usd: part.usd, percent: roundTo((part.usd / total) * 100, 2), change_percent: changePercent(part.usd, part.previous) })),
      total_usd: total,
      change_percent: changePercent(total, previousTotal),
      timestamp,
    });
  }
  return rows.sort((a, b) => b.total_usd - a.total_usd);
}

function changePercent(current: number, previous: number): number | null {
  return previous > 0 ? roundTo(((current - previous) / previous) * 100, 2) : null;
}
