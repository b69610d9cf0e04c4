import { evmBlockSchema, evmLogsSchema, UpstreamError } from '@app/upstream';
import { toHex, type Hex, type PublicClient } from 'viem';
import type { z } from 'zod';
import { SWAP_TOPICS } from './swap-events';

/** A Swap log as eth_getLogs returns it, numbers parsed. */
export interface EvmLog {
  address: string;
  topics: Hex[];
  data: Hex;
  blockNumber: number;
  blockHash: string;
  transactionHash: string;
  logIndex: number;
  removed: boolean;
}

export interface BlockFacts {
  timeSec: number;
  hash: string;
  /** tx hash (lower-case) → signer (lower-case) */
  signers: Map<string, string>;
}

/** The few JSON-RPC reads the log source needs (viem below; a fake in unit tests). */
export interface EvmRpc {
  blockNumber(): Promise<number>;
  swapLogs(pools: readonly string[], fromBlock: number, toBlock: number): Promise<EvmLog[]>;
  /** one eth_getBlockByNumber with full transactions: the block time and every signer at once */
  block(blockNumber: number): Promise<BlockFacts>;
}

/** `EvmRpc` over viem's public client (from `EvmRpcApi.connect`: requests run under the `evm-rpc` upstream policy). */
export class ViemEvmRpc implements EvmRpc {
  constructor(readonly client: PublicClient) {}

  async blockNumber(): Promise<number> {
    return Number(await this.client.getBlockNumber({ cacheTime: 0 }));
  }

  async swapLogs(pools: readonly string[], fromBlock: number, toBlock: number): Promise<EvmLog[]> {
    const raw = await this.client.request({
      method: 'eth_getLogs',
      params: [{ address: pools as Hex[], fromBlock: toHex(fromBlock), toBlock: toHex(toBlock), topics: [[SWAP_TOPICS.v2, SWAP_TOPICS.v3, SWAP_TOPICS.pancakeV3]] }],
    });
    const logs = checked(evmLogsSchema, raw, 'eth_getLogs');
    return logs.map((log) => ({
      address: log.address.toLowerCase(),
      topics: log.topics as Hex[],
      data: log.data as Hex,
      blockNumber: Number(log.blockNumber),
      blockHash: String(log.blockHash).toLowerCase(),
      transactionHash: String(log.transactionHash).toLowerCase(),
      logIndex: Number(log.logIndex),
      removed: Boolean(log.removed),
    }));
  }

  async block(blockNumber: number): Promise<BlockFacts> {
    // raw request: viem's block formatter checksums every address of every transaction, far more than we need
    const block = checked(evmBlockSchema, await this.client.request({ method: 'eth_getBlockByNumber', params: [toHex(blockNumber), true] }), 'eth_getBlockByNumber');
    if (!block) throw new Error(`block ${blockNumber} not found`);
    const signers = new Map<string, string>();
    for (const tx of block.transactions) if (typeof tx === 'object') signers.set(tx.hash.toLowerCase(), tx.from.toLowerCase());
    return { timeSec: Number(block.timestamp), hash: block.hash.toLowerCase(), signers };
  }
}

/** A node's answer that does not fit the JSON-RPC schema: a 'validation' UpstreamError naming the method and field. */
function checked<T>(schema: z.ZodType<T>, value: unknown, method: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new UpstreamError('evm-rpc', `${method} returned an unexpected shape: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`, 200, 'validation');
}
