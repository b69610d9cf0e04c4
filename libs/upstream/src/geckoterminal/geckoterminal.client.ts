import { UpstreamHttpClient, UpstreamHttpClientOptions } from '../http/upstream-http-client';
import { GeckoTerminalApi } from './geckoterminal.api';
import { GeckoTerminalPools, geckoTerminalPoolsSchema } from './geckoterminal.schemas';

export function geckoTerminalHttpOptions({ baseUrl, callsPerMinute }: { baseUrl: string; callsPerMinute: number }): UpstreamHttpClientOptions {
  return {
    name: 'geckoterminal',
    baseUrl,
    headers: { accept: 'application/json;version=20230302' },
    // a poll waits for its turn rather than fail: the pools of several networks are read back to back
    budget: { callsPerMinute, maxWaitMs: 30_000 },
  };
}

/** GeckoTerminal v2 over the shared upstream HTTP client. */
export class GeckoTerminalClient implements GeckoTerminalApi {
  constructor(private readonly http: UpstreamHttpClient) {}

  get upstream(): string {
    return this.http.upstream;
  }

  get callsPerMinute(): number {
    return this.http.callsPerMinute;
  }

  getTopPools(network: string, signal?: AbortSignal): Promise<GeckoTerminalPools> {
    return this.http.getJson(`/networks/${encodeURIComponent(network)}/pools`, { page: 1 }, { schema: geckoTerminalPoolsSchema, signal });
  }
}
