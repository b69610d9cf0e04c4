import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig, env, type ConfigOf } from '@app/config';

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

/** DEX metrics (seed 004): tracked pools, RPC endpoints, timings (README "DEX metrics"). */
export const dexMetricsConfig = defineConfig(
  'dex',
  () => ({
    DEX_POOLS: env
      .text()
      .transform((text, ctx) => env.withProblems(ctx, text, (problems) => parseDexPools(text, problems)))
      .optional()
      .describe('tracked pools, `chain:0xPool[:CURRENCY[:token0|token1]]`, comma-separated'),
    DEX_POOLS_FILE: env
      .text()
      .transform((path, ctx) => {
        const file = resolve(path);
        return { file, pools: env.withProblems(ctx, path, (problems) => readDexPoolsFile(file, problems)) };
      })
      .optional()
      .describe('a file holding the pool list instead of DEX_POOLS, re-read when it changes'),
    DEX_RPC_URLS: env
      .text()
      .transform((text, ctx) => env.withProblems(ctx, text, (problems) => parseRpcUrls(text, problems)))
      .default({})
      .describe('`chain=https://…` per chain'),
    DEX_POLL_INTERVAL_MS: env.integer({ min: 100 }).default(3_000).describe('eth_getLogs polling period'),
    DEX_BATCH_DELAY_MS: env.integer({ min: 0, max: 30_000 }).default(5_000).describe('how long a due message waits to coalesce with later updates'),
    DEX_REORG_DEPTH_BLOCKS: env.integer({ min: 0, max: 1_000 }).default(12).describe('recent blocks read again on every poll'),
    DEX_LOGS_BLOCK_RANGE: env.integer({ min: 1, max: 100_000 }).default(2_000).describe('blocks per eth_getLogs'),
    DEX_STATE_REFRESH_MS: env.integer({ min: 1_000 }).default(300_000).describe('liquidity/supply refresh period'),
    DEX_BACKFILL_SECONDS: env.integer({ min: 0, max: 172_800 }).default(86_400).describe('swaps read back from the chain on start'),
  }),
  (vars, report) => {
    if (vars.DEX_POOLS_FILE && vars.DEX_POOLS) report('DEX_POOLS and DEX_POOLS_FILE are both set: use one of them');
    return {
      pools: vars.DEX_POOLS_FILE?.pools ?? vars.DEX_POOLS ?? [],
      /** DEX_POOLS_FILE (absolute): the pool list, re-read on change and on SIGHUP; unset = DEX_POOLS, fixed */
      poolsFile: vars.DEX_POOLS_FILE?.file,
      /** JSON-RPC endpoint per chain */
      rpcUrls: vars.DEX_RPC_URLS,
      pollIntervalMs: vars.DEX_POLL_INTERVAL_MS,
      /** ≤ 30 000: how long a due message waits to coalesce with later updates */
      batchDelayMs: vars.DEX_BATCH_DELAY_MS,
      /** blocks re-read on every poll to notice reorgs (logs that vanished are retracted) */
      reorgDepthBlocks: vars.DEX_REORG_DEPTH_BLOCKS,
      /** blocks per eth_getLogs request */
      logsBlockRange: vars.DEX_LOGS_BLOCK_RANGE,
      /** how often liquidity and supply are re-read */
      stateRefreshMs: vars.DEX_STATE_REFRESH_MS,
      /** swaps read back from the chain on start to rebuild the windows (24 h: all of them) */
      backfillSeconds: vars.DEX_BACKFILL_SECONDS,
    };
  },
);

export type DexConfig = ConfigOf<typeof dexMetricsConfig>;
