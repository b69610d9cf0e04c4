/**
 * DefiLlama stablecoins API types (https://stablecoins.llama.fi), from the server code and recorded payloads
 * (libs/simulator/fixtures/defillama). Every number may be null and every object may be missing keys.
 */

/** Amounts keyed by peg type (`peggedUSD`, `peggedEUR`, `peggedVAR`, ...). */
export type PegAmounts = Record<string, number | null>;

export interface DefiLlamaChainCirculating {
  current?: PegAmounts;
  circulatingPrevDay?: PegAmounts;
  circulatingPrevWeek?: PegAmounts;
  circulatingPrevMonth?: PegAmounts;
}

/** One element of `GET /stablecoins` → `peggedAssets`. */
export interface DefiLlamaPeggedAsset {
  /** numeric id as a string: "1" = USDT, "2" = USDC */
  id: string;
  name: string;
  symbol: string;
  gecko_id?: string | null;
  pegType: string;
  pegMechanism?: string;
  priceSource?: string | null;
  /**
   * Since server commit 46f5c9cc (2025-12-01) these are USD values (native units × price) even under keys like
   * `peggedEUR`; before that they were native units.
   */
  circulating: PegAmounts;
  circulatingPrevDay?: PegAmounts;
  circulatingPrevWeek?: PegAmounts;
  circulatingPrevMonth?: PegAmounts;
  /** keyed by DefiLlama chain name, e.g. `Ethereum`, `BSC`, `Tron` */
  chainCirculating?: Record<string, DefiLlamaChainCirculating>;
  chains?: string[];
  price?: number | null;
  deprecated?: boolean;
  delisted?: boolean;
}

export interface DefiLlamaChainTotal {
  name: string;
  totalCirculatingUSD: PegAmounts;
  gecko_id?: string | null;
  tokenSymbol?: string | null;
}

/** `GET /stablecoins?includePrices=true`. */
export interface DefiLlamaStablecoins {
  peggedAssets: DefiLlamaPeggedAsset[];
  chains?: DefiLlamaChainTotal[];
}

/** `GET /stablecoincharts/all` point as sent: `date` is unix SECONDS as a STRING. */
export interface DefiLlamaChartPointPayload {
  date: string | number;
  totalCirculating?: PegAmounts;
  totalUnreleased?: PegAmounts;
  totalCirculatingUSD?: PegAmounts;
  totalMintedUSD?: PegAmounts;
  totalBridgedToUSD?: PegAmounts;
}

/** A chart point as the client returns it: `date` parsed to a number of unix seconds. */
export interface DefiLlamaChartPoint {
  /** unix seconds */
  date: number;
  totalCirculatingUSD: PegAmounts;
}

/** `GET /stablecoinprices` element: prices keyed by CoinGecko id (NOT by symbol). */
export interface DefiLlamaPricePoint {
  /** unix seconds (a number here, unlike the charts) */
  date: number;
  prices: Record<string, number | null>;
}
