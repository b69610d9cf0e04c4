import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEventLog, encodeAbiParameters, encodeEventTopics, parseAbiParameters, type Hex } from 'viem';
import { locateFixturesDir } from '@app/simulator';
import { SWAP_EVENTS_ABI, SWAP_TOPICS, classifyTrade, decodeSwapLog, toUnits } from './swap-events';

const recorded = JSON.parse(
  readFileSync(join(locateFixturesDir(), 'evm', 'bsc-pancakeswap-v2-usdt-wbnb-swap-log-block118258974.json'), 'utf8'),
) as { topics: Hex[]; data: Hex };

describe('Swap topics', () => {
  it('are the published topic0 values of Uniswap V2, Uniswap V3 and PancakeSwap V3', () => {
    expect(SWAP_TOPICS).toEqual({
      v2: '0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822',
      v3: '0xc42079f94a6350d7e6235f29174924f928cc2ac818eb64fed8004e115fbcca67',
      pancakeV3: '0x19b47279256b2a23a1665c810c8d55a1758940ee09377d4f8d26497a3577dc83',
    });
  });
});

describe('decodeSwapLog + classifyTrade', () => {
  it('decodes the recorded PancakeSwap V2 USDT/WBNB swap on BSC as a WBNB buy paid in USDT', () => {
    const deltas = decodeSwapLog(recorded);
    // amount0In = 0x77eedb0bd13a9d48 USDT in, amount1Out = 0x2bd0c72d97ef57 WBNB out
    expect(deltas).toEqual({ kind: 'v2', amount0: 0x77eedb0bd13a9d48n, amount1: -0x2bd0c72d97ef57n });
    const trade = classifyTrade(deltas!, 0, [18, 18]);
    expect(trade?.side).toBe('buy');
    expect(trade?.quoteAmount).toBeCloseTo(8.642085578771963208, 12); // 8642085578771963208 / 1e18;
    expect(trade?.baseAmount).toBeCloseTo(0.012332977880559447, 15); // ≈ 700.72 USDT per WBNB;
    // with WBNB as the quote instead, the same log is a USDT sell
    expect(classifyTrade(deltas!, 1, [18, 18])?.side).toBe('sell');
  });

  const v3Data = (amount0: bigint, amount1: bigint, extra: bigint[] = []) =>
    encodeAbiParameters(parseAbiParameters(`int256, int256, uint160, uint128, int24${extra.length ? ', uint128, uint128' : ''}`), [
      amount0,
      amount1,
      79228162514264337593543950336n,
      10n ** 18n,
      -5,
      ...extra,
    ] as never) as Hex;
  const v3Topics = (index: 1 | 2) =>
    encodeEventTopics({
      abi: [SWAP_EVENTS_ABI[index]],
      args: { sender: '0x1111111111111111111111111111111111111111', recipient: '0x2222222222222222222222222222222222222222' },
    } as never) as Hex[];

  it('decodes both V3 variants: Uniswap V3 and PancakeSwap V3 (with protocol fees)', () => {
    // USDC (token0, 6 dp) into the pool, WETH (token1) out: a WETH buy of 1,500 USDC
    const uni = decodeSwapLog({ topics: v3Topics(1), data: v3Data(1_500_000_000n, -500_000_000_000_000_000n) });
    expect(uni).toEqual({ kind: 'v3', amount0: 1_500_000_000n, amount1: -500_000_000_000_000_000n });
    expect(classifyTrade(uni!, 0, [6, 18])).toEqual({ side: 'buy', quoteAmount: 1500, baseAmount: 0.5 });

    const pancake = decodeSwapLog({ topics: v3Topics(2), data: v3Data(-2_000_000n, 10n ** 15n, [7n, 9n]) });
    expect(pancake).toEqual({ kind: 'pancakeV3', amount0: -2_000_000n, amount1: 10n ** 15n });
    expect(classifyTrade(pancake!, 0, [6, 18])).toEqual({ side: 'sell', quoteAmount: 2, baseAmount: 0.001 });
  });

  it('ignores other events, malformed data and deltas that are not a trade', () => {
    expect(decodeSwapLog({ topics: ['0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1'], data: '0x' })).toBeUndefined();
    expect(decodeSwapLog({ topics: recorded.topics, data: '0x1234' })).toBeUndefined();
    expect(classifyTrade({ kind: 'v3', amount0: 5n, amount1: 5n }, 0, [18, 18])).toBeUndefined();
    expect(classifyTrade({ kind: 'v3', amount0: 0n, amount1: -5n }, 0, [18, 18])).toBeUndefined();
  });

  it('converts large amounts to whole tokens without losing precision', () => {
    expect(toUnits(1990010200000n * 10n ** 18n + 5n * 10n ** 17n, 18)).toBe(1990010200000.5);
  });
});

describe('decodeSwapLog agrees with viem decodeEventLog', () => {
  it.each([
    ['v2', 0, ['uint256', 'uint256', 'uint256', 'uint256'], [5n, 0n, 0n, 7n]],
    ['v3', 1, ['int256', 'int256', 'uint160', 'uint128', 'int24'], [-(2n ** 200n), 3n, 2n ** 96n, 1n, -887272]],
    ['pancakeV3', 2, ['int256', 'int256', 'uint160', 'uint128', 'int24', 'uint128', 'uint128'], [9n, -1n, 2n ** 96n, 1n, 5, 1n, 2n]],
  ] as const)('%s', (kind, abiIndex, types, values) => {
    const abi = [SWAP_EVENTS_ABI[abiIndex]] as const;
    const topics = encodeEventTopics({ abi, args: { sender: '0x1111111111111111111111111111111111111111' } } as never) as Hex[];
    const fullTopics = [topics[0], topics[1], `0x${'22'.padStart(64, '0')}`] as Hex[];
    const data = encodeAbiParameters(parseAbiParameters(types.join(', ')), values as never) as Hex;
    const viem = decodeEventLog({ abi, topics: fullTopics as [Hex, ...Hex[]], data, strict: true }).args as unknown as Record<string, bigint>;
    const ours = decodeSwapLog({ topics: fullTopics, data })!;
    expect(ours.kind).toBe(kind);
    if ('amount0In' in viem) {
      expect([ours.amount0, ours.amount1]).toEqual([viem.amount0In - viem.amount0Out, viem.amount1In - viem.amount1Out]);
    } else {
      expect([ours.amount0, ours.amount1]).toEqual([viem.amount0, viem.amount1]);
    }
  });
});
