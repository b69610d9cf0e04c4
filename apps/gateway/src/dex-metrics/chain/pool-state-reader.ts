import { parseAbi, type Hex, type PublicClient } from 'viem';
import { toUnits } from './swap-events';

const POOL_ABI = parseAbi([
  'function token0() view returns (address)',
  'function token1() view returns (address)',
  'function getReserves() view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast)',
  'function slot0() view returns (uint160 sqrtPriceX96, int24 tick, uint16 observationIndex, uint16 observationCardinality, uint16 observationCardinalityNext, uint32 feeProtocol, bool unlocked)',
]);
const TOKEN_ABI = parseAbi([
  'function decimals() view returns (uint8)',
  'function symbol() view returns (string)',
  'function totalSupply() view returns (uint256)',
  'function balanceOf(address owner) view returns (uint256)',
]);

export interface TokenInfo {
  address: string;
  symbol: string;
  decimals: number;
}

export interface PoolInfo {
  chain: string;
  pool: string;
  /** V2 pools have reserves; V3 (Uniswap or PancakeSwap) pools have slot0 */
  kind: 'v2' | 'v3';
  tokens: [TokenInfo, TokenInfo];
}

export interface PoolState {
  /** whole tokens held by the pool */
  balances: [number, number];
  /** whole tokens */
  supplies: [number, number];
  /** whole token1 per whole token0 */
  price1Per0: number;
}

/** Reads what the chain knows of a pool: its tokens once, its balances/supplies/price on each refresh, its creation time. */
export class PoolStateReader {
  constructor(
    readonly chain: string,
    private readonly client: PublicClient,
  ) {}

  async describe(pool: string): Promise<PoolInfo> {
    const address = pool as Hex;
    const [token0, token1] = await Promise.all([
      this.client.readContract({ address, abi: POOL_ABI, functionName: 'token0' }),
      this.client.readContract({ address, abi: POOL_ABI, functionName: 'token1' }),
    ]);
    const kind = (await this.succeeds(() => this.client.readContract({ address, abi: POOL_ABI, functionName: 'getReserves' }))) ? 'v2' : 'v3';
    const tokens = (await Promise.all([token0, token1].map((t) => this.token(t)))) as [TokenInfo, TokenInfo];
    return { chain: this.chain, pool: pool.toLowerCase(), kind, tokens };
  }

  async state(info: PoolInfo): Promise<PoolState> {
    const address = info.pool as Hex;
    const [t0, t1] = info.tokens;
    const supplies = await Promise.all(info.tokens.map((t) => this.client.readContract({ address: t.address as Hex, abi: TOKEN_ABI, functionName: 'totalSupply' })));
    if (info.kind === 'v2') {
      const [r0, r1] = await this.client.readContract({ address, abi: POOL_ABI, functionName: 'getReserves' });
      const balances: [number, number] = [toUnits(r0, t0.decimals), toUnits(r1, t1.decimals)];
      return { balances, supplies: [toUnits(supplies[0], t0.decimals), toUnits(supplies[1], t1.decimals)], price1Per0: balances[0] > 0 ? balances[1] / balances[0] : 0 };
    }
    const [slot0, b0, b1] = await Promise.all([
      this.client.readContract({ address, abi: POOL_ABI, functionName: 'slot0' }),
      this.client.readContract({ address: t0.address as Hex, abi: TOKEN_ABI, functionName: 'balanceOf', args: [address] }),
      this.client.readContract({ address: t1.address as Hex, abi: TOKEN_ABI, functionName: 'balanceOf', args: [address] }),
    ]);
    const sqrt = Number(slot0[0]) / 2 ** 96;
    return {
      balances: [toUnits(b0, t0.decimals), toUnits(b1, t1.decimals)],
      supplies: [toUnits(supplies[0], t0.decimals), toUnits(supplies[1], t1.decimals)],
      price1Per0: sqrt * sqrt * 10 ** (t0.decimals - t1.decimals),
    };
  }

  /**
   * Unix time of the block where the pool's code first appears (binary search over eth_getCode; needs an archive
   * node). Undefined when the endpoint cannot answer for old blocks.
   */
  async createdTime(pool: string): Promise<number | undefined> {
    const address = pool as Hex;
    try {
      let high = await this.client.getBlockNumber({ cacheTime: 0 });
      if (!(await this.hasCode(address, high))) return undefined;
      let low = 0n;
      while (low < high) {
        const mid = (low + high) / 2n;
        if (await this.hasCode(address, mid)) high = mid;
        else low = mid + 1n;
      }
      const block = await this.client.getBlock({ blockNumber: low });
      return Number(block.timestamp);
    } catch {
      return undefined;
    }
  }

  private async hasCode(address: Hex, blockNumber: bigint): Promise<boolean> {
    const code = await this.client.getCode({ address, blockNumber });
    return code !== undefined && code !== '0x';
  }

  private async token(address: string): Promise<TokenInfo> {
    const token = address as Hex;
    const [decimals, symbol] = await Promise.all([
      this.client.readContract({ address: token, abi: TOKEN_ABI, functionName: 'decimals' }),
      this.client.readContract({ address: token, abi: TOKEN_ABI, functionName: 'symbol' }).catch(() => `${address.slice(0, 6)}…`),
    ]);
    return { address: address.toLowerCase(), symbol, decimals: Number(decimals) };
  }

  private async succeeds(call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch {
      return false;
    }
  }
}
