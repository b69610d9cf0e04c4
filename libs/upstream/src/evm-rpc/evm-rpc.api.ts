import type { PublicClient } from 'viem';
import { UpstreamBudget } from '../contracts';

/** Injection token of the EVM JSON-RPC provider: `@Inject(EVM_RPC_API) rpc: EvmRpcApi`. */
export const EVM_RPC_API = Symbol('EVM_RPC_API');

/** EVM JSON-RPC nodes (one URL per chain, `DEX_RPC_URLS`) as the features see them. */
export interface EvmRpcApi extends UpstreamBudget {
  /**
   * A viem client of the node at `url` whose every JSON-RPC request runs under the `evm-rpc` policy (timeout,
   * retries, breaker, `upstream_calls_total`); failures are `UpstreamError`s with the URL's secrets redacted.
   */
  connect(url: string): PublicClient;
}
