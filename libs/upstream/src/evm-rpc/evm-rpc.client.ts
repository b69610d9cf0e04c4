import { createPublicClient, http, type PublicClient, type Transport } from 'viem';
import { UpstreamError } from '../contracts';
import { SecretRedactor } from '../http/secret-redactor';
import { UpstreamPolicy } from '../resilience/upstream-policy';
import { EvmRpcApi } from './evm-rpc.api';

/** viem errors that mean the node (or the way to it) failed, as opposed to a reverted call or a bad request */
const TRANSIENT_VIEM_ERRORS = new Set(['HttpRequestError', 'TimeoutError', 'RpcRequestError', 'InternalRpcError', 'LimitExceededRpcError', 'ResourceUnavailableRpcError']);

/** The EVM nodes of `DEX_RPC_URLS`: viem clients whose requests run under the one `evm-rpc` policy. */
export class EvmRpcClients implements EvmRpcApi {
  readonly upstream = 'evm-rpc';
  /** no request budget: the nodes are ours or paid per request; the policy's breaker protects them in an outage */
  readonly callsPerMinute = Number.POSITIVE_INFINITY;

  constructor(private readonly policy: UpstreamPolicy) {}

  connect(url: string): PublicClient {
    // an RPC URL often carries the provider's key in its path or query: none of it reaches a log or an error
    const redactor = new SecretRedactor({}, secretsOf(url));
    // viem neither retries nor times out by itself here: the policy does both
    const inner = http(url, { timeout: 0, retryCount: 0, batch: { batchSize: 50, wait: 5 } });
    const transport: Transport = (options) => {
      const base = inner({ ...options, retryCount: 0 });
      return {
        ...base,
        request: ((args: Parameters<typeof base.request>[0]) =>
          this.policy.run(async () => {
            try {
              return await base.request(args);
            } catch (error) {
              throw toUpstreamError(this.upstream, error, redactor);
            }
          })) as typeof base.request,
      };
    };
    return createPublicClient({ transport });
  }
}

function toUpstreamError(upstream: string, error: unknown, redactor: SecretRedactor): UpstreamError {
  const { name, shortMessage, message, status } = (error ?? {}) as { name?: string; shortMessage?: string; message?: string; status?: number };
  const text = redactor.text(`${name ?? 'Error'}: ${shortMessage ?? message ?? String(error)}`);
  if (name === 'TimeoutError') return new UpstreamError(upstream, text, undefined, 'timeout');
  if (name && TRANSIENT_VIEM_ERRORS.has(name)) return new UpstreamError(upstream, text, status && status >= 400 ? status : 503, status && status < 500 && status !== 429 ? 'http' : 'network');
  return new UpstreamError(upstream, text, status ?? 400, 'http');
}

/** The parts of an RPC URL that may be a key: user info, path segments of 16+ chars, query values. */
function secretsOf(url: string): string[] {
  try {
    const parsed = new URL(url);
    return [parsed.username, parsed.password, ...parsed.pathname.split('/').filter((part) => part.length >= 16), ...[...parsed.searchParams.values()]].filter(Boolean);
  } catch {
    return [];
  }
}
