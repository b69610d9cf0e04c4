/** Market kind of a leg. Futures are linear perpetuals (quoted in the symbol's quote currency). */
export type LegKind = 'spot' | 'futures' | 'dex';

export interface DexPool {
  chain: string;
  pool_address: string;
  dex: string;
}

/** One venue's view of one symbol at one moment, as every quote source delivers it. */
export interface Quote {
  /** uppercase venue, e.g. `BINANCE`; for DEX legs the DEX, e.g. `UNISWAP_V3` */
  venue: string;
  kind: LegKind;
  /** canonical `BASE_QUOTE`, e.g. `BTC_USDT` */
  symbol: string;
  /** the leg's reference price: mid of bid/ask when both are known, else the last price */
  price: number;
  bid?: number;
  ask?: number;
  /** futures mark price, when the venue gives one */
  mark?: number;
  /** 24 h volume in the quote currency (CEX legs) */
  volume24h?: number;
  /** pool liquidity in USD (DEX legs) */
  liquidityUsd?: number;
  dex?: DexPool;
  /** epoch ms of the observation (venue timestamp, else receive time) */
  ts: number;
  /** identity of the leg within the symbol; defaults to `VENUE:kind` (DEX sources add the pool) */
  legId?: string;
}

export function defaultLegId(quote: Pick<Quote, 'venue' | 'kind' | 'dex'>): string {
  return quote.kind === 'dex' && quote.dex ? `${quote.venue}:dex:${quote.dex.chain}:${quote.dex.pool_address}` : `${quote.venue}:${quote.kind}`;
}

/** Reference price of a ticker: mid when bid and ask are both positive and not crossed, else last. */
export function referencePrice(bid: number | undefined, ask: number | undefined, last: number | undefined): number | undefined {
  if (bid !== undefined && ask !== undefined && bid > 0 && ask > 0 && ask >= bid) return (bid + ask) / 2;
  return last !== undefined && last > 0 ? last : undefined;
}

const SYMBOL = /^[A-Z0-9]{1,20}_[A-Z0-9]{1,10}$/;

/** `btc/usdt`, `BTC-USDT`, `BTC_USDT` → `BTC_USDT`; undefined when it is not a pair. */
export function normalizeSymbol(raw: string): string | undefined {
  const text = raw.trim().toUpperCase().replace(/[/\-:]/g, '_');
  return SYMBOL.test(text) ? text : undefined;
}
