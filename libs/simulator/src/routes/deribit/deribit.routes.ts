import { json, SimulatorResponse, SimulatorRouteModule } from '../../route-module';
import { BookSummaryRow, rpcEnvelope, simulateFutureRows, simulateOptionChain } from './deribit-payloads';

const CURRENCIES = ['BTC', 'ETH', 'USDC', 'USDT', 'EURR'];
const KINDS = ['future', 'option', 'spot', 'future_combo', 'option_combo'];

/** Deribit's JSON-RPC error (HTTP 400), e.g. `-32602 Invalid params` naming the parameter. */
function rpcError(code: number, message: string, nowMs: number, data?: { reason: string; param: string }): SimulatorResponse {
  const usIn = nowMs * 1000;
  return json({ jsonrpc: '2.0', error: { message, ...(data ? { data } : {}), code }, usIn, usOut: usIn + 40, usDiff: 40, testnet: false }, 400);
}

/** The recent BTC index: `estimated_delivery_price` of the recorded future rows (all rows carry the same one). */
function recordedIndex(futures: readonly BookSummaryRow[]): number {
  return futures[0].estimated_delivery_price as number;
}

/**
 * Deribit public API v2, relative to `baseUrls.deribit` (= `/deribit/api/v2`). BTC only: other valid currencies
 * answer an empty `result` (nothing recorded for them).
 */
export const deribitRoutes: SimulatorRouteModule = {
  upstream: 'deribit',
  routes: [
    {
      path: '/public/get_book_summary_by_currency',
      handle: ({ query }, { fixtures, drift, nowMs }) => {
        const currency = query.get('currency');
        const kind = query.get('kind');
        if (!currency) return rpcError(-32602, 'Invalid params', nowMs, { reason: 'required', param: 'currency' });
        if (!CURRENCIES.includes(currency)) return rpcError(-32602, 'Invalid params', nowMs, { reason: 'wrong format', param: 'currency' });
        if (kind !== null && !KINDS.includes(kind)) return rpcError(-32602, 'Invalid params', nowMs, { reason: 'wrong format', param: 'kind' });
        if (currency !== 'BTC') return json(rpcEnvelope([], nowMs));

        const futures = fixtures.json<BookSummaryRow[]>('deribit', 'book-summary-BTC-future-result-subset.json');
        const index = recordedIndex(futures);
        const result: BookSummaryRow[] = [];
        if (kind === null || kind === 'future') result.push(...simulateFutureRows(futures, index, drift, nowMs));
        if (kind === null || kind === 'option') result.push(...simulateOptionChain(index, drift.seed, drift, nowMs));
        return json(rpcEnvelope(result, nowMs));
      },
    },
  ],
  notFound: () => rpcError(-32601, 'Method not found', Date.now()),
};
