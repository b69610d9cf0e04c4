/** USD stablecoins per chain (lower-case): a quote token priced at 1 USD. */
const STABLECOINS: Record<string, readonly string[]> = {
  bsc: [
    '0x55d398326f99059ff775485246999027b3197955', // USDT
    '0x8ac76a51cc950d9822d68b83fe1ad97b32cd580d', // USDC
    '0xe9e7cea3dedca5984780bafc599bd69add087d56', // BUSD
    '0xc5f0f7b66764f6ec8c8dff7ba683102295e16409', // FDUSD
    '0x1af3f329e8be154074d8769d1ffa4ee058b1dbc3', // DAI
  ],
  eth: [
    '0xdac17f958d2ee523a2206206994597c13d831ec7', // USDT
    '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', // USDC
    '0x6b175474e89094c44da98b954eedeac495271d0f', // DAI
  ],
  base: ['0x833589fcd6edb6e08f4c7c32d4f71b54bda02913'], // USDC
  arbitrum: ['0xaf88d065e77c8cc2239327c5edb3a432268e5831', '0xfd086bc7cd5c481dcc9c85ebe478a1c0b69fcbb9'], // USDC, USDT
  polygon: ['0x3c499c542cef5e3811e1192ce70d8cc03d5c3359', '0xc2132d05d31c914a87c6611c10748aeb04b58e8f'], // USDC, USDT
};

export function isUsdStablecoin(chain: string, token: string): boolean {
  return STABLECOINS[chain]?.includes(token.toLowerCase()) ?? false;
}

/**
 * USD prices of tokens: stablecoins are 1; any other token takes the price it last traded at against a stablecoin in a
 * tracked pool (so a WBNB-quoted pool is valued through a tracked WBNB/USDT pool).
 */
export class UsdPrices {
  private readonly prices = new Map<string, { usd: number; atMs: number }>();

  get(chain: string, token: string): number | undefined {
    if (isUsdStablecoin(chain, token)) return 1;
    return this.prices.get(`${chain}:${token.toLowerCase()}`)?.usd;
  }

  set(chain: string, token: string, usd: number, atMs: number): void {
    if (!(usd > 0) || !Number.isFinite(usd) || isUsdStablecoin(chain, token)) return;
    const key = `${chain}:${token.toLowerCase()}`;
    const known = this.prices.get(key);
    if (!known || known.atMs <= atMs) this.prices.set(key, { usd, atMs });
  }
}
