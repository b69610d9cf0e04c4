import { dexTicker, type DexPoolConfig } from './dex-metrics.config';
import type { QuasiStaticMetrics } from './domain/metrics-message';
import type { PoolInfo, PoolState } from './chain/pool-state-reader';
import { classifyTrade, type TradeOfPool } from './chain/swap-events';
import type { ObservedSwap } from './chain/evm-log-source';
import { isUsdStablecoin, type UsdPrices } from './chain/usd-prices';

/** A tracked pool: its configuration and, once read from the chain, its tokens. */
export class TrackedPool {
  readonly ticker: string;
  info?: PoolInfo;
  createdTime?: number;
  private warnedNoPrice = false;

  constructor(readonly config: DexPoolConfig) {
    this.ticker = dexTicker(config);
  }

  get key(): string {
    return `${this.config.chain}:${this.config.pool}`;
  }

  /** 0 or 1: the configured quote token, else the stablecoin side, else token1. */
  get quoteIndex(): 0 | 1 {
    if (this.config.quoteToken) return this.config.quoteToken === 'token0' ? 0 : 1;
    const tokens = this.info?.tokens;
    if (tokens && isUsdStablecoin(this.config.chain, tokens[0].address) && !isUsdStablecoin(this.config.chain, tokens[1].address)) return 0;
    return 1;
  }

  get baseIndex(): 0 | 1 {
    return this.quoteIndex === 0 ? 1 : 0;
  }

  /** The swap as a trade of this pool with its USD value; undefined when it is not a trade or the pool is not described yet. */
  valueSwap(swap: ObservedSwap, prices: UsdPrices): { trade: TradeOfPool; usd: number | undefined } | undefined {
    if (!this.info) return undefined;
    const decimals = [this.info.tokens[0].decimals, this.info.tokens[1].decimals] as const;
    const trade = classifyTrade(swap.deltas, this.quoteIndex, decimals);
    if (!trade) return undefined;
    const quote = this.info.tokens[this.quoteIndex];
    const base = this.info.tokens[this.baseIndex];
    const quoteUsd = prices.get(this.config.chain, quote.address);
    if (quoteUsd !== undefined && trade.baseAmount > 0) {
      prices.set(this.config.chain, base.address, (trade.quoteAmount * quoteUsd) / trade.baseAmount, swap.timeSec * 1000);
    }
    return { trade, usd: quoteUsd === undefined ? undefined : trade.quoteAmount * quoteUsd };
  }

  /** Warns once per pool, not once per swap. */
  shouldWarnNoPrice(): boolean {
    if (this.warnedNoPrice) return false;
    this.warnedNoPrice = true;
    return true;
  }

  /** Liquidity in USD per token (balance × USD price), supplies, creation time. */
  quasiStatic(state: PoolState, prices: UsdPrices, nowMs: number): QuasiStaticMetrics {
    const info = this.info!;
    const q = this.quoteIndex;
    const quoteUsd = prices.get(this.config.chain, info.tokens[q].address);
    // price1Per0 = token1 per token0; the base token's price in quote tokens:
    const basePerQuote = q === 0 ? state.price1Per0 : state.price1Per0 > 0 ? 1 / state.price1Per0 : 0;
    const baseUsd = quoteUsd !== undefined && basePerQuote > 0 ? quoteUsd / basePerQuote : undefined;
    if (baseUsd !== undefined) prices.set(this.config.chain, info.tokens[this.baseIndex].address, baseUsd, nowMs);
    const usd: [number, number] = [0, 0];
    usd[q] = quoteUsd ?? 0;
    usd[this.baseIndex] = baseUsd ?? 0;
    return {
      createdTime: this.createdTime ?? 0,
      token0LiquidityUsd: state.balances[0] * usd[0],
      token1LiquidityUsd: state.balances[1] * usd[1],
      token0Supply: state.supplies[0],
      token1Supply: state.supplies[1],
    };
  }

  /** A row of /symbol_info (TradingView's field names). */
  symbolInfo(): SymbolInfoRow {
    const base = this.info?.tokens[this.baseIndex].symbol ?? this.config.pool.slice(0, 10);
    const quote = this.info?.tokens[this.quoteIndex].symbol ?? this.config.currency;
    const exchange = `${this.config.chain.toUpperCase()}-DEX`;
    return {
      symbol: `${base}${quote}`,
      ticker: this.ticker,
      description: `${base} / ${quote} (${this.info?.kind === 'v2' ? 'V2' : this.info ? 'V3' : 'DEX'} pool ${this.config.pool} on ${this.config.chain})`,
      type: 'crypto',
      'exchange-listed': exchange,
      'exchange-traded': exchange,
      currency: this.config.currency,
      'base-currency': base,
      minmovement: 1,
      pricescale: 10 ** 8,
      timezone: 'Etc/UTC',
      session: '24x7',
    };
  }
}

export interface SymbolInfoRow {
  symbol: string;
  ticker: string;
  description: string;
  type: 'crypto';
  'exchange-listed': string;
  'exchange-traded': string;
  currency: string;
  'base-currency': string;
  minmovement: number;
  pricescale: number;
  timezone: string;
  session: string;
}

/** TradingView's symbol_info response: one array per field, `s: "ok"`. */
export const SYMBOL_INFO_FIELDS = ['symbol', 'ticker', 'description', 'type', 'exchange-listed', 'exchange-traded', 'currency', 'base-currency', 'minmovement', 'pricescale', 'timezone', 'session'] as const;

export function toSymbolInfoResponse(rows: readonly SymbolInfoRow[]): Record<string, unknown> {
  const response: Record<string, unknown> = { s: 'ok' };
  for (const field of SYMBOL_INFO_FIELDS) response[field] = rows.map((row) => row[field]);
  return response;
}
