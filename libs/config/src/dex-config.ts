import { readFileSync, statSync } from 'node:fs';

/** One tracked DEX pool: `chain:pool[:CURRENCY[:token0|token1]]` in DEX_POOLS. */
export interface DexPoolConfig {
  chain: string;
  /** lower-case 0x address */
  pool: string;
  /** the ticker's quote currency (e.g. USD): ticker = `<chain>:<pool>-<currency>` */
  currency: string;
  /** which pool token is the quote token; unset = whichever is a known USD stablecoin (else token1) */
  quoteToken?: 'token0' | 'token1';
}

export interface DexConfig {
  pools: DexPoolConfig[];
  /** DEX_POOLS_FILE (absolute): the pool list, re-read on change and on SIGHUP; unset = DEX_POOLS, fixed */
  poolsFile?: string;
  /** JSON-RPC endpoint per chain */
  rpcUrls: Record<string, string>;
  pollIntervalMs: number;
  /** ≤ 30 000: how long a due message waits to coalesce with later updates */
  batchDelayMs: number;
  /** blocks re-read on every poll to notice reorgs (logs that vanished are retracted) */
  reorgDepthBlocks: number;
  /** blocks per eth_getLogs request */
  logsBlockRange: number;
  /** how often liquidity and supply are re-read */
  stateRefreshMs: number;
  /** swaps read back from the chain on start to rebuild the windows (24 h: all of them) */
  backfillSeconds: number;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const CHAIN = /^[a-z0-9-]{2,32}$/;

/** DEX_POOLS_FILE bounds: a larger file or list is refused as a whole. */
export const DEX_POOLS_FILE_MAX_BYTES = 1 << 20;
export const DEX_POOLS_MAX = 10_000;
const ENTRY_MAX_CHARS = 120;

/** Parses DEX_POOLS; problems are reported, never thrown, so config validation can list them all. */
export function parseDexPools(text: string | undefined, problems: string[], source = 'DEX_POOLS'): DexPoolConfig[] {
  const pools: DexPoolConfig[] = [];
  for (const entry of (text ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const [chain, pool, currency = 'USD', quote, ...rest] = entry.length > ENTRY_MAX_CHARS ? [] : entry.split(':');
    if (!CHAIN.test(chain ?? '') || !ADDRESS.test(pool ?? '') || !/^[A-Z]{2,10}$/.test(currency) || (quote && quote !== 'token0' && quote !== 'token1') || rest.length) {
      problems.push(`${source} entry "${entry.slice(0, ENTRY_MAX_CHARS)}": expected chain:0xPoolAddress[:CURRENCY[:token0|token1]], e.g. bsc:0x16b9…dae:USD:token0`);
      if (problems.length > 20) break; // a garbage file is named, not echoed whole
      continue;
    }
    pools.push({ chain, pool: pool.toLowerCase(), currency, quoteToken: quote as DexPoolConfig['quoteToken'] });
  }
  if (pools.length > DEX_POOLS_MAX) problems.push(`${source}: ${pools.length} pools, at most ${DEX_POOLS_MAX}`);
  return pools;
}

/**
 * The text of DEX_POOLS_FILE: DEX_POOLS entries separated by commas and/or line breaks; `#` starts a comment to the
 * end of its line. Any bad entry makes the whole file bad (problems named), so a half-edited file never delists.
 */
export function parseDexPoolsText(text: string, problems: string[], source = 'DEX_POOLS_FILE'): DexPoolConfig[] {
  const entries = text
    .split('\n')
    .map((line) => {
      const hash = line.indexOf('#');
      return hash < 0 ? line : line.slice(0, hash);
    })
    .join(',');
  return parseDexPools(entries, problems, source);
}

/** Reads DEX_POOLS_FILE at start (synchronously, with the rest of the configuration). */
export function readDexPoolsFile(path: string, problems: string[]): DexPoolConfig[] {
  try {
    const size = statSync(path).size;
    if (size > DEX_POOLS_FILE_MAX_BYTES) {
      problems.push(`DEX_POOLS_FILE ${path}: ${size} bytes, at most ${DEX_POOLS_FILE_MAX_BYTES}`);
      return [];
    }
    return parseDexPoolsText(readFileSync(path, 'utf8'), problems);
  } catch (error) {
    problems.push(`DEX_POOLS_FILE ${path}: ${(error as Error).message}`);
    return [];
  }
}

/** Parses DEX_RPC_URLS: `chain=url,chain=url`. */
export function parseRpcUrls(text: string | undefined, problems: string[]): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const entry of (text ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const at = entry.indexOf('=');
    const chain = entry.slice(0, at);
    const url = entry.slice(at + 1);
    if (at < 0 || !CHAIN.test(chain) || !/^(https?|wss?):\/\/\S+$/.test(url)) {
      problems.push(`DEX_RPC_URLS entry "${entry.replace(/\/\/[^@/]*@/, '//<redacted>@')}": expected chain=http(s)://host/...`);
      continue;
    }
    urls[chain] = url;
  }
  return urls;
}

export function dexTicker(pool: Pick<DexPoolConfig, 'chain' | 'pool' | 'currency'>): string {
  return `${pool.chain}:${pool.pool}-${pool.currency}`;
}
