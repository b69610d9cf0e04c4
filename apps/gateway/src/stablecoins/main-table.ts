import type { CoinGeckoMarket, DefiLlamaPeggedAsset } from '@app/upstream';
import { sumPegAmounts } from './peg-amounts';

export const MAIN_TABLE_HEADERS = [
  { key: 'rank', label: 'Rank' },
  { key: 'name', label: 'Name' },
  { key: 'logo', label: 'Logo' },
  { key: 'price', label: 'Price' },
  { key: '24h_change_percent', label: '24h Change (%)' },
  { key: 'market_cap', label: 'Market Cap' },
] as const;

export interface MainTableRow {
  rank: number;
  name: string;
  symbol: string;
  logo: string | null;
  price: number | null;
  '24h_change_percent': number | null;
  market_cap: number | null;
}

/**
 * One row per stablecoin, DefiLlama `/stablecoins` joined with CoinGecko `/coins/markets?category=stablecoins` on
 * the CoinGecko id. CoinGecko gives the logo, the 24 h change and — in `vs_currency` — price and market cap;
 * DefiLlama gives the identity and, when CoinGecko has no row (or is down), price and market cap (= circulating)
 * in USD, so those are used only when `vs_currency` is usd (null otherwise). Deprecated/delisted assets are left
 * out. Ranked 1..n by market cap, descending (unknown caps last).
 * Either input may be undefined (that upstream failed): the table is built from the other one.
 */
export function mergeStablecoinRows(
  assets: readonly DefiLlamaPeggedAsset[] | undefined,
  markets: readonly CoinGeckoMarket[] | undefined,
  vsCurrency: string,
): MainTableRow[] {
  const usd = vsCurrency.toLowerCase() === 'usd';
  const marketById = new Map((markets ?? []).map((market) => [market.id, market]));
  const rows: Array<Omit<MainTableRow, 'rank'>> = [];
  const seen = new Set<string>();

  for (const asset of assets ?? []) {
    if (asset.deprecated || asset.delisted) continue;
    const market = asset.gecko_id ? marketById.get(asset.gecko_id) : undefined;
    if (asset.gecko_id) seen.add(asset.gecko_id);
    const circulating = sumPegAmounts(asset.circulating);
    rows.push({
      name: asset.name,
      symbol: asset.symbol,
      logo: market?.image ?? null,
      price: finite(market?.current_price) ?? (usd ? finite(asset.price) : null),
      '24h_change_percent': finite(market?.price_change_percentage_24h),
      market_cap: finite(market?.market_cap) ?? (usd && circulating > 0 ? circulating : null),
    });
  }
  for (const market of markets ?? []) {
    if (seen.has(market.id)) continue;
    rows.push({
      name: market.name,
      symbol: market.symbol.toUpperCase(),
      logo: market.image ?? null,
      price: finite(market.current_price),
      '24h_change_percent': finite(market.price_change_percentage_24h),
      market_cap: finite(market.market_cap),
    });
  }
  rows.sort((a, b) => (b.market_cap ?? -Infinity) - (a.market_cap ?? -Infinity) || a.name.localeCompare(b.name));
  return rows.map((row, index) => ({ rank: index + 1, ...row }));
}

function finite(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
