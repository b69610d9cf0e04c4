import { JobScheduler, type ScheduledJob } from '@app/scheduling';
import type { EvmLog, EvmRpc } from './evm-rpc';
import { decodeSwapLog, type PoolDeltas } from './swap-events';

/** One decoded Swap with everything the metrics need: when (block time), who (the transaction signer), how much. */
export interface ObservedSwap {
  chain: string;
  pool: string;
  /** `${txHash}:${logIndex}`: the de-duplication key */
  id: string;
  blockNumber: number;
  blockHash: string;
  timeSec: number;
  /** the transaction signer: the maker (routers are only `sender`/`to` of the log) */
  maker: string;
  deltas: PoolDeltas;
}

export interface SwapListener {
  /** new swaps, in chain order */
  onSwaps(swaps: ObservedSwap[]): void | Promise<void>;
  /** swaps taken back by a reorg (their logs vanished or came back `removed: true`) */
  onRemoved(swaps: ObservedSwap[]): void | Promise<void>;
}

export interface LogSourceOptions {
  /** where the polls are armed (`dex.log-poll:<chain>#<n>`); a detached scheduler when absent (unit tests) */
  jobs?: JobScheduler;
  pollIntervalMs: number;
  /** recent blocks read again on every poll: a log that vanished from them was reorged out */
  reorgDepthBlocks: number;
  /** blocks per eth_getLogs request */
  blockRange: number;
  /** how far back the first poll reads: the windows are rebuilt from the chain on start */
  backfillSeconds: number;
  /** concurrent block reads */
  concurrency?: number;
  log?: { warn(message: string): void; log(message: string): void };
  onPollError?: (error: Error) => void;
}

/**
 * Polls one chain's Swap logs of the tracked pools with eth_getLogs. Each poll reads from the last block it saw minus
 * `reorgDepthBlocks` to the head: logs already seen are skipped (de-duplication on tx hash + log index and block
 * hash), logs that disappeared from that range (or come back `removed`) are reported removed. The signer and the block
 * time come from one eth_getBlockByNumber (full transactions) per block holding swaps.
 */
export class EvmLogSource {
  /** swaps of the recent (reorg-able) blocks by id */
  private recent = new Map<string, ObservedSwap>();
  private cursor?: number;
  private firstBlock = 0;
  private timer?: ScheduledJob;
  /** a chain may have several sources (one per pool group): each its own job name */
  private static instances = 0;
  private readonly instance = ++EvmLogSource.instances;
  private running?: Promise<void>;
  private stopped = false;
  private failures = 0;
  private readonly pools: string[];
  /** aborted by `stop()`: a backfill (a day of logs, many requests) ends at its next request instead of running out */
  private abort = new AbortController();

  constructor(
    readonly chain: string,
    private readonly rpc: EvmRpc,
    pools: readonly string[],
    private readonly listener: SwapListener,
    private readonly options: LogSourceOptions,
  ) {
    this.pools = [...pools];
  }

  /** Stops reading a pool's logs (delisted at run time); returns how many pools it still reads. */
  removePool(pool: string): number {
    const at = this.pools.indexOf(pool);
    if (at >= 0) this.pools.splice(at, 1);
    return this.pools.length;
  }

  /** The last block fully processed. */
  get lastBlock(): number | undefined {
    return this.cursor;
  }

  start(): void {
    if (this.abort.signal.aborted) this.abort = new AbortController();
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops the loop; a poll in flight stops before its next RPC request (nothing half-read reaches the listener). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.stop();
    this.abort.abort(new Error(`${this.chain}: log source stopped`));
    await this.running?.catch(() => undefined);
  }

  /** One poll (the loop calls it; tests call it directly). */
  async pollOnce(): Promise<void> {
    if (this.pools.length === 0) return;
    const { signal } = this.abort;
    const head = await this.rpc.blockNumber();
    if (this.cursor === undefined) {
      this.firstBlock = await this.backfillStart(head);
      this.cursor = this.firstBlock - 1;
    }
    if (head <= this.cursor - this.options.reorgDepthBlocks) return;
    const from = Math.max(this.firstBlock, this.cursor + 1 - this.options.reorgDepthBlocks);
    const logs: EvmLog[] = [];
    for (let start = from; start <= head; start += this.options.blockRange) {
      signal.throwIfAborted();
      logs.push(...(await this.rpc.swapLogs(this.pools, start, Math.min(head, start + this.options.blockRange - 1))));
    }

    const present = new Map<string, EvmLog>();
    const removedNow: ObservedSwap[] = [];
    for (const log of logs) {
      const id = `${log.transactionHash}:${log.logIndex}`;
      if (log.removed) {
        const known = this.recent.get(id);
        if (known && known.blockHash === log.blockHash) removedNow.push(known);
        continue;
      }
      present.set(id, log);
    }
    // seen before in the re-read range but gone now (or moved to another block): reorged out
    for (const known of this.recent.values()) {
      if (known.blockNumber < from || removedNow.includes(known)) continue;
      const now = present.get(known.id);
      if (!now || now.blockHash !== known.blockHash) removedNow.push(known);
    }
    for (const swap of removedNow) this.recent.delete(swap.id);
    if (removedNow.length > 0) await this.listener.onRemoved(removedNow);

    const fresh = [...present.values()].filter((log) => !this.recent.has(`${log.transactionHash}:${log.logIndex}`));
    fresh.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
    const swaps = await this.observe(fresh, signal);
    for (const swap of swaps) this.recent.set(swap.id, swap);
    if (swaps.length > 0) await this.listener.onSwaps(swaps);

    this.cursor = Math.max(this.cursor, head);
    const keepFrom = this.cursor + 1 - this.options.reorgDepthBlocks;
    for (const [id, swap] of this.recent) if (swap.blockNumber < keepFrom) this.recent.delete(id);
  }

  private async observe(logs: EvmLog[], signal: AbortSignal): Promise<ObservedSwap[]> {
    const blocks = [...new Set(logs.map((log) => log.blockNumber))];
    const facts = new Map<number, Awaited<ReturnType<EvmRpc['block']>>>();
    const concurrency = this.options.concurrency ?? 50;
    for (let i = 0; i < blocks.length; i += concurrency) {
      signal.throwIfAborted();
      const slice = blocks.slice(i, i + concurrency);
      const read = await Promise.all(slice.map((n) => this.rpc.block(n)));
      slice.forEach((n, j) => facts.set(n, read[j]));
    }
    const swaps: ObservedSwap[] = [];
    for (const log of logs) {
      const deltas = decodeSwapLog(log);
      const block = facts.get(log.blockNumber)!;
      const maker = block.signers.get(log.transactionHash);
      if (!deltas || !maker) {
        this.options.log?.warn(`${this.chain}: skipped log ${log.transactionHash}:${log.logIndex} (${deltas ? 'signer not in its block' : 'not a Swap it can decode'})`);
        continue;
      }
      swaps.push({
        chain: this.chain,
        pool: log.address,
        id: `${log.transactionHash}:${log.logIndex}`,
        blockNumber: log.blockNumber,
        blockHash: log.blockHash,
        timeSec: block.timeSec,
        maker,
        deltas,
      });
    }
    return swaps;
  }

  /** The first block of the last `backfillSeconds`, from the chain's recent block rate. */
  private async backfillStart(head: number): Promise<number> {
    if (this.options.backfillSeconds <= 0) return head + 1;
    const sample = Math.min(head, 1_000);
    const [latest, earlier] = await Promise.all([this.rpc.block(head), this.rpc.block(head - sample)]);
    const secondsPerBlock = sample > 0 ? Math.max(0.05, (latest.timeSec - earlier.timeSec) / sample) : 1;
    const start = Math.max(0, head - Math.ceil(this.options.backfillSeconds / secondsPerBlock));
    this.options.log?.log(`${this.chain}: rebuilding the windows from block ${start} to ${head} (${this.options.backfillSeconds} s of swaps)`);
    return start;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = (this.options.jobs ?? JobScheduler.detached()).after(`dex.log-poll:${this.chain}#${this.instance}`, delayMs, () => {
      this.running = this.pollOnce()
        .then(() => {
          this.failures = 0;
        })
        .catch((error: Error) => {
          if (this.stopped) return;
          this.failures++;
          this.options.onPollError?.(error);
          if (this.failures === 1 || this.failures % 20 === 0) this.options.log?.warn(`${this.chain}: log poll failed (${this.failures}x): ${error.message}`);
        })
        .finally(() => {
          this.running = undefined;
          // back off while the endpoint fails, up to 10 polls
          this.schedule(this.options.pollIntervalMs * Math.min(10, 2 ** Math.min(this.failures, 4)));
        });
    });
  }
}
