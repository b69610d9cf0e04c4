import { encodeAbiParameters, encodeEventTopics, parseAbiParameters, type Hex } from 'viem';
import type { BlockFacts, EvmLog, EvmRpc } from './evm-rpc';
import { EvmLogSource, type ObservedSwap } from './evm-log-source';
import { SWAP_EVENTS_ABI } from './swap-events';

const POOL = '0x16b9a82891338f9ba80e2d6970fdda79d1eb0dae';
const ROUTER = '0x1de460f363af910f51726def188f9004276bf4bc';
const topics = encodeEventTopics({ abi: [SWAP_EVENTS_ABI[0]], args: { sender: ROUTER, to: ROUTER } }) as Hex[];
const data = encodeAbiParameters(parseAbiParameters('uint256, uint256, uint256, uint256'), [10n ** 18n, 0n, 0n, 10n ** 15n]);

/** A chain in memory whose recent blocks can be replaced (a reorg). */
class FakeChain implements EvmRpc {
  head = 100;
  blocks = new Map<number, { hash: string; txs: Array<{ hash: string; from: string }> }>();
  calls = { logs: 0, blocks: 0 };

  mine(block: number, fork = 'a', txs = 1): void {
    this.blocks.set(block, { hash: `0x${fork}${block}`, txs: Array.from({ length: txs }, (_, i) => ({ hash: `0x${fork}tx${block}_${i}`, from: `0xmaker${i}` })) });
    this.head = Math.max(this.head, block);
  }

  async blockNumber() {
    return this.head;
  }

  async swapLogs(_pools: readonly string[], from: number, to: number): Promise<EvmLog[]> {
    this.calls.logs++;
    const logs: EvmLog[] = [];
    for (let n = from; n <= to; n++) {
      const block = this.blocks.get(n);
      block?.txs.forEach((tx, i) => logs.push({ address: POOL, topics, data, blockNumber: n, blockHash: block.hash, transactionHash: tx.hash, logIndex: i, removed: false }));
    }
    return logs;
  }

  async block(n: number): Promise<BlockFacts> {
    this.calls.blocks++;
    const block = this.blocks.get(n);
    return { timeSec: 1_000_000 + n * 3, hash: block?.hash ?? `0xempty${n}`, signers: new Map(block?.txs.map((tx) => [tx.hash, tx.from]) ?? []) };
  }
}

function setup(options: Partial<ConstructorParameters<typeof EvmLogSource>[4]> = {}) {
  const chain = new FakeChain();
  const added: ObservedSwap[] = [];
  const removed: ObservedSwap[] = [];
  const source = new EvmLogSource('bsc', chain, [POOL], { onSwaps: (s) => void added.push(...s), onRemoved: (s) => void removed.push(...s) }, {
    pollIntervalMs: 1_000,
    reorgDepthBlocks: 3,
    blockRange: 4,
    backfillSeconds: 30, // 10 blocks of 3 s
    ...options,
  });
  return { chain, added, removed, source };
}

describe('EvmLogSource', () => {
  it('rebuilds the last backfill period on start, in chunks, with the signer as maker and the block time', async () => {
    const { chain, added, source } = setup();
    chain.mine(85); // before the backfill period
    chain.mine(95, 'a', 2);
    chain.mine(100);
    await source.pollOnce();
    expect(added.map((s) => [s.id, s.blockNumber, s.timeSec, s.maker])).toEqual([
      ['0xatx95_0:0', 95, 1_000_285, '0xmaker0'],
      ['0xatx95_1:1', 95, 1_000_285, '0xmaker1'],
      ['0xatx100_0:0', 100, 1_000_300, '0xmaker0'],
    ]);
    expect(added[0].deltas).toEqual({ kind: 'v2', amount0: 10n ** 18n, amount1: -(10n ** 15n) });
    expect(chain.calls.logs).toBe(3); // blocks 90..100 in ranges of 4
    expect(source.lastBlock).toBe(100);
  });

  it('reads recent blocks again but reports each log once', async () => {
    const { chain, added, source } = setup();
    chain.mine(100);
    await source.pollOnce();
    chain.mine(101);
    await source.pollOnce();
    await source.pollOnce();
    expect(added.map((s) => s.id)).toEqual(['0xatx100_0:0', '0xatx101_0:0']);
  });

  it('retracts the swaps of blocks replaced by a reorg and adds the new chain', async () => {
    const { chain, added, removed, source } = setup();
    chain.mine(99);
    chain.mine(100);
    await source.pollOnce();
    // blocks 100 is replaced by fork b, which also mines 101
    chain.mine(100, 'b');
    chain.mine(101, 'b');
    await source.pollOnce();
    expect(removed.map((s) => s.id)).toEqual(['0xatx100_0:0']);
    expect(added.map((s) => s.id)).toEqual(['0xatx99_0:0', '0xatx100_0:0', '0xbtx100_0:0', '0xbtx101_0:0']);
  });

  it('retracts a log that comes back with removed: true', async () => {
    const { chain, removed, source } = setup();
    chain.mine(100);
    await source.pollOnce();
    const original = chain.swapLogs.bind(chain);
    chain.swapLogs = async (pools, from, to) => (await original(pools, from, to)).map((log) => ({ ...log, removed: log.blockNumber === 100 }));
    await source.pollOnce();
    expect(removed.map((s) => s.id)).toEqual(['0xatx100_0:0']);
  });

  it('stop() ends a backfill in flight at its next request instead of reading the whole period', async () => {
    const { chain, source } = setup({ backfillSeconds: 3_000, blockRange: 1 }); // 100 one-block requests
    const swapLogs = chain.swapLogs.bind(chain);
    chain.swapLogs = async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return swapLogs(...args);
    };
    source.start();
    while (chain.calls.logs < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    await source.stop();
    expect(Date.now() - started).toBeLessThan(500);
    expect(chain.calls.logs).toBeLessThan(10);
  });
});
