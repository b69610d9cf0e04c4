/** The upstream APIs the simulator can stand in for. */
export type UpstreamName = 'coingecko' | 'defillama' | 'coindesk' | 'deribit' | 'binance' | 'evm' | 'exchanges';

export const UPSTREAM_NAMES: readonly UpstreamName[] = ['coingecko', 'defillama', 'coindesk', 'deribit', 'binance', 'evm', 'exchanges'];

/**
 * Each upstream is mounted at `/<name>` followed by the real API's own root path, so a client configured with
 * `baseUrls.coingecko` builds exactly the paths it would build against the real host.
 */
export const UPSTREAM_API_ROOTS: Readonly<Record<UpstreamName, string>> = {
  coingecko: '/api/v3', // https://api.coingecko.com/api/v3
  defillama: '', // https://stablecoins.llama.fi
  coindesk: '', // https://data-api.coindesk.com
  deribit: '/api/v2', // https://www.deribit.com/api/v2
  binance: '', // https://api.binance.com (/api/v3/...) and https://fapi.binance.com (/fapi/v1/...) on one mount
  evm: '', // EVM JSON-RPC, one endpoint per chain: POST /evm/<chain> (e.g. /evm/bsc)
  exchanges: '', // spreads' venues and GeckoTerminal by real host: /exchanges/<host>/<path>, e.g. /exchanges/api.bybit.com/v5/market/tickers
};

export function isUpstreamName(value: string): value is UpstreamName {
  return (UPSTREAM_NAMES as readonly string[]).includes(value);
}
