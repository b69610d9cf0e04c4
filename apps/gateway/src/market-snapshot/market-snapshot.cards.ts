import type { CoinBrief } from '@app/upstream';

/** Pure formatting of the market-snapshot cards: the seed's exact titles and value formats. */

export interface MarketSnapshotInput {
  totalMarketCapUsd: number;
  /** percent, e.g. 52.34 */
  btcDominance: number;
  ethDominance: number;
  bitcoin?: CoinBrief;
  ethereum?: CoinBrief;
}

export interface SnapshotCard {
  title: string;
  value: string;
  logo?: string;
  symbol?: string;
}

/** The btc_dom / eth_dom rows use capitalised keys, exactly as seed 000 shows them. */
export interface DominanceRow {
  Title: string;
  Value: string;
}

const usdInteger = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** "$2,345,678,901" */
export function formatUsd(value: number): string {
  return `$${usdInteger.format(Math.round(value))}`;
}

/** "52.34 %" */
export function formatPercent(value: number): string {
  return `${value.toFixed(2)} %`;
}

export function overallSnapshotCards(input: MarketSnapshotInput): SnapshotCard[] {
  return [
    { title: 'Total Crypto Market Cap', value: formatUsd(input.totalMarketCapUsd) },
    withCoin({ title: 'BTC Dominance', value: formatPercent(input.btcDominance) }, input.bitcoin, 'BTC'),
    withCoin({ title: 'ETH Dominance', value: formatPercent(input.ethDominance) }, input.ethereum, 'ETH'),
  ];
}

export function dominanceRow(coinName: 'Bitcoin' | 'Ethereum', percent: number): DominanceRow {
  return { Title: `${coinName} Dominance`, Value: formatPercent(percent) };
}

function withCoin(card: SnapshotCard, coin: CoinBrief | undefined, fallbackSymbol: string): SnapshotCard {
  return { ...card, logo: coin?.logo, symbol: coin?.symbol ?? fallbackSymbol };
}
