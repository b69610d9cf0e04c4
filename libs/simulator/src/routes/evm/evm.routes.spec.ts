import { startUpstreamSimulator, type UpstreamSimulator } from '../../upstream-simulator';
import { MAX_LOGS_BLOCK_RANGE } from './evm.routes';
import { SIMULATED_CHAINS } from './simulated-chain';

const V2_POOL = '0x16b9a82891338f9ba80e2d6970fdda79d1eb0dae';

describe('EVM JSON-RPC simulator', () => {
  let simulator: UpstreamSimulator;
  const rpc = async (chain: string, body: unknown) => {
    const response = await fetch(`${simulator.baseUrls.evm}/${chain}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await response.json()) as any;
  };
  const call = async (method: string, params: unknown[] = [], chain = 'bsc') => rpc(chain, { jsonrpc: '2.0', id: 1, method, params });

  beforeAll(async () => {
    simulator = await startUpstreamSimulator({ seed: 3 });
    simulator.clock.freeze(Date.UTC(2026, 5, 1));
  });
  afterAll(() => simulator.close());

  it('produces blocks at the chain rhythm from the simulated clock', async () => {
    const bsc = SIMULATED_CHAINS.find((c) => c.name === 'bsc')!;
    const head = parseInt((await call('eth_blockNumber')).result, 16);
    expect(head).toBe(Math.floor((Date.UTC(2026, 5, 1) / 1000 - bsc.genesisSec) / bsc.blockTimeSec));
    const block = (await call('eth_getBlockByNumber', [`0x${head.toString(16)}`, true])).result;
    expect(parseInt(block.timestamp, 16)).toBe(bsc.genesisSec + head * bsc.blockTimeSec);
    expect((await call('eth_chainId')).result).toBe('0x38');
  });

  it('serves the same swap logs for the same range every time, each signed by a maker the block knows', async () => {
    const head = parseInt((await call('eth_blockNumber')).result, 16);
    const filter = { address: [V2_POOL], fromBlock: `0x${(head - 199).toString(16)}`, toBlock: `0x${head.toString(16)}` };
    const first = (await call('eth_getLogs', [filter])).result;
    expect(first.length).toBeGreaterThan(5);
    expect((await call('eth_getLogs', [filter])).result).toEqual(first);
    const log = first[0];
    expect(log.topics[0]).toBe('0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822');
    const block = (await call('eth_getBlockByNumber', [log.blockNumber, true])).result;
    const tx = block.transactions.find((t: { hash: string }) => t.hash === log.transactionHash);
    expect(tx.from).toMatch(/^0x[0-9a-f]{40}$/);
    expect((await call('eth_getTransactionByHash', [log.transactionHash])).result.from).toBe(tx.from);
  });

  it('answers batches, unknown methods, too-wide ranges and bad bodies like a node', async () => {
    const batch = await rpc('bsc', [
      { jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] },
      { jsonrpc: '2.0', id: 2, method: 'eth_nope', params: [] },
    ]);
    expect(batch).toEqual([
      { jsonrpc: '2.0', id: 1, result: '0x38' },
      { jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'the method eth_nope does not exist/is not available' } },
    ]);
    const wide = await call('eth_getLogs', [{ fromBlock: '0x1', toBlock: `0x${(MAX_LOGS_BLOCK_RANGE + 1).toString(16)}` }]);
    expect(wide.error.code).toBe(-32005);
    expect((await rpc('bsc', 'not json')).error.code).toBe(-32700);
    const response = await fetch(`${simulator.baseUrls.evm}/solana`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
  });

  it('reverts getReserves on a V3 pool and reads token data', async () => {
    const v3 = '0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640';
    const reverted = await call('eth_call', [{ to: v3, data: '0x0902f1ac' }, 'latest'], 'eth');
    expect(reverted.error).toEqual({ code: 3, message: 'execution reverted' });
    const decimals = await call('eth_call', [{ to: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', data: '0x313ce567' }, 'latest'], 'eth');
    expect(BigInt(decimals.result)).toBe(6n);
  });
});
