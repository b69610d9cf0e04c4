import { parseAbi, toEventSelector, type Hex } from 'viem';
import type { SwapSide } from '../domain/pool-windows';

/** The Swap events we decode. PancakeSwap V2 uses Uniswap V2's event unchanged; PancakeSwap V3 adds two fee fields. */
export const SWAP_EVENTS_ABI = parseAbi([
  'event Swap(address indexed sender, uint256 amount0In, uint256 amount1In, uint256 amount0Out, uint256 amount1Out, address indexed to)',
  'event Swap(address indexed sender, address indexed recipient, int256 amount0, int256 amount1, uint160 sqrtPriceX96, uint128 liquidity, int24 tick)',
  'event Swap(address indexed sender, address indexed recipient, int256 amount0, int256 amount1, uint160 sqrtPriceX96, uint128 liquidity, int24 tick, uint128 protocolFeesToken0, uint128 protocolFeesToken1)',
]);

export const SWAP_TOPICS = {
  v2: toEventSelector(SWAP_EVENTS_ABI[0]),
  v3: toEventSelector(SWAP_EVENTS_ABI[1]),
  pancakeV3: toEventSelector(SWAP_EVENTS_ABI[2]),
} as const;

export type SwapEventKind = keyof typeof SWAP_TOPICS;

/** A decoded Swap as signed token deltas from the pool's point of view (positive = into the pool). */
export interface PoolDeltas {
  kind: SwapEventKind;
  amount0: bigint;
  amount1: bigint;
}

export interface RawLog {
  topics: readonly Hex[];
  data: Hex;
}

/** Data words of each variant: V2 four uint256; V3 int256 amount0, amount1 + 3 words; PancakeSwap V3 + 2 fee words. */
const DATA_WORDS: Record<SwapEventKind, number> = { v2: 4, v3: 5, pancakeV3: 7 };
const TOPIC_KINDS = new Map<string, SwapEventKind>(Object.entries(SWAP_TOPICS).map(([kind, topic]) => [topic, kind as SwapEventKind]));
const TWO_255 = 2n ** 255n;
const TWO_256 = 2n ** 256n;

/**
 * Decodes any of the three Swap events; undefined for another event or a malformed log.
 * Reads the ABI words directly (checked against viem's `decodeEventLog` in the spec): this runs for every swap.
 */
export function decodeSwapLog(log: RawLog): PoolDeltas | undefined {
  const kind = TOPIC_KINDS.get(log.topics[0]?.toLowerCase() ?? '');
  if (!kind || log.topics.length !== 3) return undefined;
  const data = log.data;
  if (data.length !== 2 + 64 * DATA_WORDS[kind] || !/^0x[0-9a-fA-F]*$/.test(data)) return undefined;
  const word = (i: number) => BigInt(`0x${data.slice(2 + 64 * i, 66 + 64 * i)}`);
  if (kind === 'v2') return { kind, amount0: word(0) - word(2), amount1: word(1) - word(3) };
  const signed = (value: bigint) => (value >= TWO_255 ? value - TWO_256 : value);
  return { kind, amount0: signed(word(0)), amount1: signed(word(1)) };
}

export interface TradeOfPool {
  side: SwapSide;
  /** quote token units (decimals applied) */
  quoteAmount: number;
  /** base token units (decimals applied) */
  baseAmount: number;
}

/**
 * Buy or sell from the base token's side (GeckoTerminal's convention): a buy takes the base token out of the pool.
 * `quoteIndex` says which of token0/token1 is the quote. Undefined when the deltas do not describe a trade.
 */
export function classifyTrade(deltas: PoolDeltas, quoteIndex: 0 | 1, decimals: readonly [number, number]): TradeOfPool | undefined {
  const quoteDelta = quoteIndex === 0 ? deltas.amount0 : deltas.amount1;
  const baseDelta = quoteIndex === 0 ? deltas.amount1 : deltas.amount0;
  // a real trade moves the two tokens in opposite directions
  if (quoteDelta === 0n || baseDelta === 0n || quoteDelta > 0n === baseDelta > 0n) return undefined;
  return {
    side: baseDelta < 0n ? 'buy' : 'sell',
    quoteAmount: toUnits(quoteDelta < 0n ? -quoteDelta : quoteDelta, decimals[quoteIndex]),
    baseAmount: toUnits(baseDelta < 0n ? -baseDelta : baseDelta, decimals[quoteIndex === 0 ? 1 : 0]),
  };
}

/** bigint base units → a float of whole tokens, keeping ~15 significant digits however large the amount. */
export function toUnits(amount: bigint, decimals: number): number {
  const scale = 10n ** BigInt(decimals);
  const whole = amount / scale;
  const fraction = amount % scale;
  return Number(whole) + Number(fraction) / Number(scale);
}
