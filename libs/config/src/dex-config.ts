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

/** Parses DEX_POOLS; problems are reported, never thrown, so config validation can list them all. */
export function parseDexPools(text: string | undefined, problems: string[]): DexPoolConfig[] {
  const pools: DexPoolConfig[] = [];
  for (const entry of (text ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const [chain, pool, currency = 'USD', quote, ...rest] = entry.split(':');
    if (!CHAIN.test(chain ?? '') || !ADDRESS.test(pool ?? '') || !/^[A-Z]{2,10}$/.test(currency) || (quote && quote !== 'token0' && quote !== 'token1') || rest.length) {
      problems.push(`DEX_POOLS entry "${entry}": expected chain:0xPoolAddress[:CURRENCY[:token0|token1]], e.g. bsc:0x16b9…dae:USD:token0`);
      continue;
    }
    pools.push({ chain, pool: pool.toLowerCase(), currency, quoteToken: quote as DexPoolConfig['quoteToken'] });
  }
  return pools;
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
