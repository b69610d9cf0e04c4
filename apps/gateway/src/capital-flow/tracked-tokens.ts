/** A token whose flows are tracked, with the Binance pairs that give its spot and perpetual flows. */
export interface TrackedToken {
  /** stable, persisted; BTC = 1 */
  vsTokenId: number;
  symbol: string;
  name: string;
  /** Binance spot pair (e.g. BTCUSDT); absent: no spot market, `hasSpotGoods` false */
  spotPair?: string;
  /** Binance USD-M perpetual (e.g. BTCUSDT); absent: no derivatives market, `hasContract` false */
  futuresPair?: string;
}

export interface CatalogEntry {
  /** the id a token gets when it is first tracked, unless that id is taken */
  preferredId: number;
  name: string;
  spot: boolean;
  futures: boolean;
}

/**
 * Known tokens. Ids follow market-cap rank at the time of writing so the defaults are stable across deployments
 * (BTC = 1, as the seed's example); a symbol not listed gets the next free id above 1000 and both USDT pairs.
 */
export const TOKEN_CATALOG: Readonly<Record<string, CatalogEntry>> = {
  BTC: { preferredId: 1, name: 'Bitcoin', spot: true, futures: true },
  ETH: { preferredId: 2, name: 'Ethereum', spot: true, futures: true },
  BNB: { preferredId: 3, name: 'BNB', spot: true, futures: true },
  SOL: { preferredId: 4, name: 'Solana', spot: true, futures: true },
  XRP: { preferredId: 5, name: 'XRP', spot: true, futures: true },
  DOGE: { preferredId: 6, name: 'Dogecoin', spot: true, futures: true },
  ADA: { preferredId: 7, name: 'Cardano', spot: true, futures: true },
  TRX: { preferredId: 8, name: 'TRON', spot: true, futures: true },
  AVAX: { preferredId: 9, name: 'Avalanche', spot: true, futures: true },
  LINK: { preferredId: 10, name: 'Chainlink', spot: true, futures: true },
  // a stablecoin listed on spot only: Binance has no USD-M perpetual for it
  FDUSD: { preferredId: 11, name: 'First Digital USD', spot: true, futures: false },
};

export const FIRST_UNLISTED_ID = 1001;

/** Markets and name of `symbol` (catalog or the USDT-pair default). */
export function describeToken(symbol: string): Omit<TrackedToken, 'vsTokenId'> {
  const entry = TOKEN_CATALOG[symbol];
  const pair = `${symbol}USDT`;
  if (!entry) return { symbol, name: symbol, spotPair: pair, futuresPair: pair };
  return { symbol, name: entry.name, spotPair: entry.spot ? pair : undefined, futuresPair: entry.futures ? pair : undefined };
}

/** Venues behind each market's figures (said by `vs-token/list` and the README). */
export const FLOW_VENUES = { spot: ['binance'], contract: ['binance-usdm'] } as const;
