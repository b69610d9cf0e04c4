import { decodeFunctionData, encodeFunctionResult, parseAbi, type Hex } from 'viem';
import { DriftModel } from '../../random';
import { json, SimulatorContext, SimulatorRequest, SimulatorResponse, SimulatorRouteModule } from '../../route-module';
import { SIMULATED_CHAINS, SimulatedChain, toQuantity, units, type SimSwap } from './simulated-chain';

/** The most blocks one eth_getLogs may span (public endpoints cap ranges similarly). */
export const MAX_LOGS_BLOCK_RANGE = 5_000;

const CALLS_ABI = parseAbi([
  'function token0() view returns (address)',
  'function token1() view returns (address)',
  'function decimals() view returns (uint8)',
  'function symbol() view returns (string)',
  'function totalSupply() view returns (uint256)',
  'function balanceOf(address owner) view returns (uint256)',
  'function getReserves() view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast)',
  'function slot0() view returns (uint160 sqrtPriceX96, int24 tick, uint16 observationIndex, uint16 observationCardinality, uint16 observationCardinalityNext, uint8 feeProtocol, bool unlocked)',
]);

interface RpcRequest {
  jsonrpc?: string;
  id?: number | string | null;
  method?: unknown;
  params?: unknown;
}

class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const chains = new Map<string, SimulatedChain>();
function chainFor(name: string, drift: DriftModel): SimulatedChain | undefined {
  const key = `${name}|${drift.seed}|${drift.stepMs}`;
  let chain = chains.get(key);
  if (!chain) {
    const definition = SIMULATED_CHAINS.find((c) => c.name === name);
    if (!definition) return undefined;
    chain = new SimulatedChain(definition, drift);
    chains.set(key, chain);
  }
  return chain;
}

/** EVM JSON-RPC of the simulated chains: `POST /evm/<chain>`, single or batch requests. */
export const evmRoutes: SimulatorRouteModule = {
  upstream: 'evm',
  routes: [
    {
      method: 'POST',
      path: '/:chain',
      handle(request: SimulatorRequest, context: SimulatorContext): SimulatorResponse {
        const chain = chainFor(request.params.chain, context.drift);
        if (!chain) return json({ error: `simulator: no chain ${request.params.chain}` }, 404);
        const body = request.body;
        if (typeof body !== 'object' || body === null) return json({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
        if (Array.isArray(body)) return json(body.map((item) => answer(chain, item as RpcRequest, context.nowMs)));
        return json(answer(chain, body as RpcRequest, context.nowMs));
      },
    },
  ],
};

function answer(chain: SimulatedChain, request: RpcRequest, nowMs: number): unknown {
  const id = request.id ?? null;
  try {
    if (typeof request.method !== 'string') throw new RpcError(-32600, 'Invalid Request');
    const params = Array.isArray(request.params) ? request.params : [];
    return { jsonrpc: '2.0', id, result: call(chain, request.method, params, nowMs) };
  } catch (error) {
    const code = error instanceof RpcError ? error.code : -32603;
    return { jsonrpc: '2.0', id, error: { code, message: (error as Error).message } };
  }
}

function call(chain: SimulatedChain, method: string, params: unknown[], nowMs: number): unknown {
  const head = chain.headAt(nowMs);
  switch (method) {
    case 'eth_chainId':
      return toQuantity(chain.chain.chainId);
    case 'eth_blockNumber':
      return toQuantity(head);
    case 'eth_getBlockByNumber': {
      const block = blockParam(params[0], head);
      return block > head ? null : blockObject(chain, block, params[1] === true);
    }
    case 'eth_getLogs':
      return getLogs(chain, params[0], head);
    case 'eth_getBlockReceipts': {
      const block = blockParam(params[0], head);
      if (block > head) return null;
      return chain.swapsInBlock(block).map((swap, i) => receipt(chain, swap, i));
    }
    case 'eth_getTransactionByHash': {
      const swap = chain.swapOfTx(String(params[0]));
      return swap && swap.blockNumber <= head ? transaction(chain, swap, chain.swapsInBlock(swap.blockNumber).findIndex((s) => s.txHash === swap.txHash)) : null;
    }
    case 'eth_getCode': {
      const pool = chain.pool(String(params[0]));
      const block = blockParam(params[1] ?? 'latest', head);
      return pool && chain.timestampOf(block) >= pool.createdAtSec ? '0x608060405234801561001057600080fd5b50' : '0x';
    }
    case 'eth_call':
      return ethCall(chain, params[0] as { to?: string; data?: Hex }, chain.timestampOf(blockParam(params[1] ?? 'latest', head)) * 1000);
    default:
      throw new RpcError(-32601, `the method ${method} does not exist/is not available`);
  }
}

function blockParam(value: unknown, head: number): number {
  if (value === 'latest' || value === 'safe' || value === 'finalized' || value === 'pending' || value === undefined) return head;
  if (value === 'earliest') return 0;
  if (typeof value === 'string' && /^0x[0-9a-f]+$/i.test(value)) return parseInt(value, 16);
  throw new RpcError(-32602, `invalid block parameter ${JSON.stringify(value)}`);
}

function getLogs(chain: SimulatedChain, filter: unknown, head: number): unknown[] {
  if (typeof filter !== 'object' || filter === null) throw new RpcError(-32602, 'missing filter');
  const { fromBlock, toBlock, address, topics } = filter as { fromBlock?: unknown; toBlock?: unknown; address?: unknown; topics?: unknown[] };
  const from = blockParam(fromBlock ?? 'latest', head);
  const to = Math.min(blockParam(toBlock ?? 'latest', head), head);
  if (to - from + 1 > MAX_LOGS_BLOCK_RANGE) throw new RpcError(-32005, `block range is too wide (max ${MAX_LOGS_BLOCK_RANGE})`);
  const addresses = address === undefined || address === null ? undefined : (Array.isArray(address) ? address : [address]).map((a) => String(a).toLowerCase());
  const topic0 = topics?.[0];
  const wanted = topic0 === undefined || topic0 === null ? undefined : (Array.isArray(topic0) ? topic0 : [topic0]).map((t) => String(t).toLowerCase());
  const logs: unknown[] = [];
  for (let block = Math.max(0, from); block <= to; block++) {
    chain.swapsInBlock(block).forEach((swap, i) => {
      if (addresses && !addresses.includes(swap.pool.address)) return;
      const log = chain.logOf(swap);
      if (wanted && !wanted.includes(log.topics[0].toLowerCase())) return;
      logs.push(logObject(chain, swap, i, log));
    });
  }
  return logs;
}

function logObject(chain: SimulatedChain, swap: SimSwap, txIndex: number, log = chain.logOf(swap)) {
  return {
    ...log,
    blockNumber: toQuantity(swap.blockNumber),
    blockHash: chain.blockHash(swap.blockNumber),
    transactionHash: swap.txHash,
    transactionIndex: toQuantity(txIndex),
    logIndex: toQuantity(swap.logIndex),
    removed: false,
  };
}

function blockObject(chain: SimulatedChain, block: number, fullTransactions: boolean) {
  return {
    number: toQuantity(block),
    hash: chain.blockHash(block),
    parentHash: block > 0 ? chain.blockHash(block - 1) : `0x${'0'.repeat(64)}`,
    timestamp: toQuantity(chain.timestampOf(block)),
    nonce: '0x0000000000000000',
    difficulty: '0x2',
    gasLimit: '0x8f0d180',
    gasUsed: '0x0',
    miner: '0x0000000000000000000000000000000000000000',
    extraData: '0x',
    baseFeePerGas: '0x0',
    logsBloom: `0x${'0'.repeat(512)}`,
    size: '0x220',
    transactions: chain.swapsInBlock(block).map((s, i) => (fullTransactions ? transaction(chain, s, i) : s.txHash)),
    uncles: [],
  };
}

function transaction(chain: SimulatedChain, swap: SimSwap, txIndex: number) {
  return {
    hash: swap.txHash,
    from: swap.maker,
    to: chain.router(),
    blockNumber: toQuantity(swap.blockNumber),
    blockHash: chain.blockHash(swap.blockNumber),
    transactionIndex: toQuantity(txIndex),
    input: '0x',
    value: '0x0',
    nonce: '0x1',
    gas: '0x30d40',
    gasPrice: '0x3b9aca00',
    type: '0x0',
    chainId: toQuantity(chain.chain.chainId),
    v: '0x25',
    r: `0x${'1'.repeat(64)}`,
    s: `0x${'2'.repeat(64)}`,
  };
}

function receipt(chain: SimulatedChain, swap: SimSwap, txIndex: number) {
  return {
    transactionHash: swap.txHash,
    transactionIndex: toQuantity(txIndex),
    blockHash: chain.blockHash(swap.blockNumber),
    blockNumber: toQuantity(swap.blockNumber),
    from: swap.maker,
    to: chain.router(),
    cumulativeGasUsed: '0x30d40',
    gasUsed: '0x30d40',
    effectiveGasPrice: '0x3b9aca00',
    contractAddress: null,
    logs: [logObject(chain, swap, txIndex)],
    logsBloom: `0x${'0'.repeat(512)}`,
    status: '0x1',
    type: '0x0',
  };
}

function ethCall(chain: SimulatedChain, tx: { to?: string; data?: Hex }, atMs: number): Hex {
  const to = tx?.to?.toLowerCase();
  if (!to || !tx.data) throw new RpcError(-32602, 'eth_call needs to and data');
  let decoded: ReturnType<typeof decodeFunctionData<typeof CALLS_ABI>>;
  try {
    decoded = decodeFunctionData({ abi: CALLS_ABI, data: tx.data });
  } catch {
    throw new RpcError(3, 'execution reverted');
  }
  const pool = chain.pool(to);
  const token = chain.chain.pools.flatMap((p) => [p.token0, p.token1]).find((t) => t.address === to);
  const result = (value: unknown) => encodeFunctionResult({ abi: CALLS_ABI, functionName: decoded.functionName, result: value } as never);
  if (pool) {
    switch (decoded.functionName) {
      case 'token0':
        return result(pool.token0.address);
      case 'token1':
        return result(pool.token1.address);
      case 'getReserves': {
        if (pool.kind !== 'v2') throw new RpcError(3, 'execution reverted');
        const [b0, b1] = chain.balancesAt(pool, atMs);
        return result([units(b0, pool.token0.decimals), units(b1, pool.token1.decimals), Math.floor(atMs / 1000) % 2 ** 32]);
      }
      case 'slot0': {
        if (pool.kind === 'v2') throw new RpcError(3, 'execution reverted');
        return result([chain.sqrtPriceX96(pool, atMs), 0, 0, 1, 1, 0, true]);
      }
    }
  }
  if (token) {
    switch (decoded.functionName) {
      case 'decimals':
        return result(token.decimals);
      case 'symbol':
        return result(token.symbol);
      case 'totalSupply':
        return result(units(token.supply, token.decimals));
      case 'balanceOf': {
        const holder = chain.pool(String(decoded.args?.[0]));
        if (!holder) return result(0n);
        const [b0, b1] = chain.balancesAt(holder, atMs);
        if (holder.token0.address === token.address) return result(units(b0, token.decimals));
        if (holder.token1.address === token.address) return result(units(b1, token.decimals));
        return result(0n);
      }
    }
  }
  throw new RpcError(3, 'execution reverted');
}
