import { parseAbi, toEventSelector, toHex, type Hex } from 'viem';
import { DriftModel, hashString, mulberry32 } from '../../random';

/**
 * A deterministic EVM chain for the sandbox: blocks at a fixed rhythm since a genesis time, and on a few real pools
 * (real addresses and token layouts) seeded random swaps. Everything is a function of (seed, chain, block), so any
 * block range can be answered without state, the same way on every run.
 */

export type SimPoolKind = 'v2' | 'v3' | 'pancakeV3';

export interface SimToken {
  address: Hex;
  symbol: string;
  decimals: number;
  /** whole tokens */
  supply: number;
}

export interface SimPool {
  address: Hex;
  kind: SimPoolKind;
  token0: SimToken;
  token1: SimToken;
  /** which token is the USD stablecoin */
  quoteIndex: 0 | 1;
  /** USD per base token at the reference point (moves with the seeded drift) */
  price: number;
  /** USD held on each side at the reference point */
  liquidityUsd: number;
  /** chance of a swap in a block */
  swapChance: number;
  createdAtSec: number;
}

export interface SimChain {
  name: string;
  chainId: number;
  blockTimeSec: number;
  genesisSec: number;
  pools: SimPool[];
}

export interface SimSwap {
  pool: SimPool;
  poolIndex: number;
  blockNumber: number;
  index: number;
  txHash: Hex;
  logIndex: number;
  maker: Hex;
  side: 'buy' | 'sell';
  usd: number;
  baseAmount: number;
}

const USDT_BSC: SimToken = { address: '0x55d398326f99059ff775485246999027b3197955', symbol: 'USDT', decimals: 18, supply: 6_785_000_000 };
const WBNB: SimToken = { address: '0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c', symbol: 'WBNB', decimals: 18, supply: 1_372_000 };
const USDC_ETH: SimToken = { address: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', symbol: 'USDC', decimals: 6, supply: 38_200_000_000 };
const WETH: SimToken = { address: '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2', symbol: 'WETH', decimals: 18, supply: 2_900_000 };

/** The pools of the recorded fixture and two well-known V3 pools: one of each Swap event variant. */
export const SIMULATED_CHAINS: readonly SimChain[] = [
  {
    name: 'bsc',
    chainId: 56,
    blockTimeSec: 3,
    genesisSec: 1_598_671_449,
    pools: [
      // PancakeSwap V2 USDT/WBNB (the pool of fixtures/evm/bsc-pancakeswap-v2-…json)
      { address: '0x16b9a82891338f9ba80e2d6970fdda79d1eb0dae', kind: 'v2', token0: USDT_BSC, token1: WBNB, quoteIndex: 0, price: 700, liquidityUsd: 2_400_000, swapChance: 0.12, createdAtSec: 1_619_136_117 },
      // PancakeSwap V3 USDT/WBNB 0.01 %
      { address: '0x172fcd41e0913e95784454622d1c3724f546f849', kind: 'pancakeV3', token0: USDT_BSC, token1: WBNB, quoteIndex: 0, price: 700, liquidityUsd: 9_100_000, swapChance: 0.08, createdAtSec: 1_680_652_822 },
    ],
  },
  {
    name: 'eth',
    chainId: 1,
    blockTimeSec: 12,
    genesisSec: 1_438_269_973,
    pools: [
      // Uniswap V3 USDC/WETH 0.05 %
      { address: '0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640', kind: 'v3', token0: USDC_ETH, token1: WETH, quoteIndex: 0, price: 3_000, liquidityUsd: 60_000_000, swapChance: 0.5, createdAtSec: 1_620_250_931 },
    ],
  },
];

const SWAP_ABI = parseAbi([
  'event Swap(address indexed sender, uint256 amount0In, uint256 amount1In, uint256 amount0Out, uint256 amount1Out, address indexed to)',
  'event Swap(address indexed sender, address indexed recipient, int256 amount0, int256 amount1, uint160 sqrtPriceX96, uint128 liquidity, int24 tick)',
  'event Swap(address indexed sender, address indexed recipient, int256 amount0, int256 amount1, uint160 sqrtPriceX96, uint128 liquidity, int24 tick, uint128 protocolFeesToken0, uint128 protocolFeesToken1)',
]);
const ROUTER: Hex = '0x1de460f363af910f51726def188f9004276bf4bc';
const ROUTER_TOPIC = `0x${ROUTER.slice(2).padStart(64, '0')}` as Hex;
const SWAP_TOPIC: Record<SimPoolKind, Hex> = {
  v2: toEventSelector(SWAP_ABI[0]),
  v3: toEventSelector(SWAP_ABI[1]),
  pancakeV3: toEventSelector(SWAP_ABI[2]),
};

/** One 32-byte ABI word (two's complement for negatives). */
function word(value: bigint): string {
  return (value < 0n ? 2n ** 256n + value : value).toString(16).padStart(64, '0');
}
const MAKERS_PER_CHAIN = 30;

export class SimulatedChain {
  private readonly makers: Hex[];

  constructor(
    readonly chain: SimChain,
    private readonly drift: DriftModel,
  ) {
    const random = mulberry32(hashString(`${drift.seed}|${chain.name}|makers`));
    this.makers = Array.from({ length: MAKERS_PER_CHAIN }, () => hex(random, 40));
  }

  headAt(nowMs: number): number {
    return Math.floor((nowMs / 1000 - this.chain.genesisSec) / this.chain.blockTimeSec);
  }

  timestampOf(block: number): number {
    return this.chain.genesisSec + block * this.chain.blockTimeSec;
  }

  blockHash(block: number): Hex {
    return hex(mulberry32(hashString(`${this.drift.seed}|${this.chain.name}|block|${block}`)), 64);
  }

  pool(address: string): SimPool | undefined {
    return this.chain.pools.find((p) => p.address === address.toLowerCase());
  }

  /** USD per base token of `pool` at a time (seeded drift of ±3 % around the reference). */
  priceAt(pool: SimPool, atMs: number): number {
    return pool.price * this.drift.factor(`evm|${pool.address}|price`, atMs, 0.03);
  }

  /** Token balances of the pool, whole tokens: V2 is 50/50 in value, V3 holds 60 % of its value on the quote side. */
  balancesAt(pool: SimPool, atMs: number): [number, number] {
    const usd = pool.liquidityUsd * this.drift.factor(`evm|${pool.address}|liquidity`, atMs, 0.05);
    const quoteShare = pool.kind === 'v2' ? 0.5 : 0.6;
    const quote = usd * quoteShare;
    const base = (usd * (1 - quoteShare)) / this.priceAt(pool, atMs);
    return pool.quoteIndex === 0 ? [quote, base] : [base, quote];
  }

  swapsInBlock(block: number): SimSwap[] {
    const swaps: SimSwap[] = [];
    this.chain.pools.forEach((pool, poolIndex) => {
      if (block * this.chain.blockTimeSec + this.chain.genesisSec < pool.createdAtSec) return;
      const random = mulberry32(hashString(`${this.drift.seed}|${this.chain.name}|${pool.address}|${block}`));
      if (random() >= pool.swapChance) return;
      const count = random() < 0.15 ? 2 : 1;
      const price = this.priceAt(pool, this.timestampOf(block) * 1000);
      for (let index = 0; index < count; index++) {
        const usd = Math.round(10 ** (1 + random() * 3.5) * 100) / 100; // $10 … $31,600
        const side = random() < 0.5 ? 'buy' : 'sell';
        const maker = this.makers[Math.floor(random() ** 1.6 * MAKERS_PER_CHAIN)];
        const txHash = `0x${block.toString(16).padStart(16, '0')}${poolIndex.toString(16).padStart(2, '0')}${index.toString(16).padStart(2, '0')}${hex(random, 44).slice(2)}` as Hex;
        swaps.push({ pool, poolIndex, blockNumber: block, index, txHash, logIndex: poolIndex * 8 + index, maker, side, usd, baseAmount: usd / price });
      }
    });
    return swaps;
  }

  /** The swap a transaction hash of this chain stands for (hashes carry their block and position). */
  swapOfTx(txHash: string): SimSwap | undefined {
    const match = /^0x([0-9a-f]{16})([0-9a-f]{2})([0-9a-f]{2})[0-9a-f]{44}$/.exec(txHash.toLowerCase());
    if (!match) return undefined;
    const block = parseInt(match[1], 16);
    return this.swapsInBlock(block).find((s) => s.txHash === txHash.toLowerCase());
  }

  /** The Swap log of `swap`, encoded exactly as the pool's contract emits it (ABI words written directly: this is hot). */
  logOf(swap: SimSwap): { address: Hex; topics: Hex[]; data: Hex } {
    const { pool } = swap;
    const quoteRaw = units(swap.usd, pool.quoteIndex === 0 ? pool.token0.decimals : pool.token1.decimals);
    const baseRaw = units(swap.baseAmount, pool.quoteIndex === 0 ? pool.token1.decimals : pool.token0.decimals);
    // pool's view: a buy sends quote in and base out
    const quoteDelta = swap.side === 'buy' ? quoteRaw : -quoteRaw;
    const baseDelta = swap.side === 'buy' ? -baseRaw : baseRaw;
    const [amount0, amount1] = pool.quoteIndex === 0 ? [quoteDelta, baseDelta] : [baseDelta, quoteDelta];
    const topics = [SWAP_TOPIC[pool.kind], ROUTER_TOPIC, ROUTER_TOPIC];
    if (pool.kind === 'v2') {
      const words = [amount0 > 0n ? amount0 : 0n, amount1 > 0n ? amount1 : 0n, amount0 < 0n ? -amount0 : 0n, amount1 < 0n ? -amount1 : 0n];
      return { address: pool.address, topics, data: `0x${words.map(word).join('')}` };
    }
    const sqrtPriceX96 = this.sqrtPriceX96(pool, this.timestampOf(swap.blockNumber) * 1000);
    const tick = BigInt(Math.floor(Math.log(Number(sqrtPriceX96) ** 2 / 2 ** 192) / Math.log(1.0001)));
    const words = [amount0, amount1, sqrtPriceX96, 10n ** 21n, tick, ...(pool.kind === 'v3' ? [] : [0n, 0n])];
    return { address: pool.address, topics, data: `0x${words.map(word).join('')}` };
  }

  /** V3 price as the pool stores it: sqrt(token1 raw per token0 raw) · 2^96. */
  sqrtPriceX96(pool: SimPool, atMs: number): bigint {
    const usdPerBase = this.priceAt(pool, atMs);
    // whole token1 per whole token0
    const price = pool.quoteIndex === 0 ? 1 / usdPerBase : usdPerBase;
    const raw = price * 10 ** (pool.token1.decimals - pool.token0.decimals);
    return BigInt(Math.floor(Math.sqrt(raw) * 2 ** 48)) * 2n ** 48n;
  }

  makerAddresses(): readonly Hex[] {
    return this.makers;
  }

  router(): Hex {
    return ROUTER;
  }
}

/** whole tokens → base units */
export function units(amount: number, decimals: number): bigint {
  const [whole, fraction = ''] = amount.toFixed(Math.min(decimals, 12)).split('.');
  return BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0').slice(0, decimals) || '0');
}

function hex(random: () => number, digits: number): Hex {
  let text = '0x';
  for (let i = 0; i < digits; i++) text += Math.floor(random() * 16).toString(16);
  return text as Hex;
}

export const toQuantity = (value: number | bigint): Hex => toHex(value);
