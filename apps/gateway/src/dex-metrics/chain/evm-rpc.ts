import { createPublicClient, http, toHex, type Hex, type PublicClient } from 'viem';
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

export function createViemClient(url: string): PublicClient {
  // batch: concurrent calls (e.g. the blocks of one poll) go out as one JSON-RPC batch request
  return createPublicClient({ transport: http(url, { timeout: 15_000, retryCount: 2, retryDelay: 250, batch: { batchSize: 50, wait: 5 } }) });
}

/** `EvmRpc` over viem's public client. */
export class ViemEvmRpc implements EvmRpc {
  constructor(readonly client: PublicClient) {}

  async blockNumber(): Promise<number> {
    return Number(await this.client.getBlockNumber({ cacheTime: 0 }));
  }

  async swapLogs(pools: readonly string[], fromBlock: number, toBlock: number): Promise<EvmLog[]> {
    const logs = await this.client.request({
      method: 'eth_getLogs',
      params: [{ address: pools as Hex[], fromBlock: toHex(fromBlock), toBlock: toHex(toBlock), topics: [[SWAP_TOPICS.v2, SWAP_TOPICS.v3, SWAP_TOPICS.pancakeV3]] }],
    });
    return logs.map((log) => ({
      address: log.address.toLowerCase(),
      topics: log.topics as Hex[],
      data: log.data,
      blockNumber: Number(log.blockNumber),
      blockHash: String(log.blockHash).toLowerCase(),
      transactionHash: String(log.transactionHash).toLowerCase(),
      logIndex: Number(log.logIndex),
      removed: Boolean(log.removed),
    }));
  }

  async block(blockNumber: number): Promise<BlockFacts> {
    // raw request: viem's block formatter checksums every address of every transaction, far more than we need
    const block = (await this.client.request({ method: 'eth_getBlockByNumber', params: [toHex(blockNumber), true] })) as RawBlock | null;
    if (!block) throw new Error(`block ${blockNumber} not found`);
    const signers = new Map<string, string>();
    for (const tx of block.transactions) if (typeof tx === 'object') signers.set(tx.hash.toLowerCase(), tx.from.toLowerCase());
    return { timeSec: Number(block.timestamp), hash: block.hash.toLowerCase(), signers };
  }
}

interface RawBlock {
  hash: string;
  timestamp: Hex;
  transactions: Array<{ hash: string; from: string } | string>;
}
