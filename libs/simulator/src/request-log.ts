import { IncomingHttpHeaders } from 'node:http';
import { UpstreamName } from './upstreams';

export interface RecordedRequest {
  upstream: UpstreamName;
  method: string;
  /** path relative to the upstream's base URL, without the query (e.g. `/coins/bitcoin`) */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  atMs: number;
}

/**
 * Every request the simulator received (faulted ones included), so tests can count real upstream calls.
 * Counts are exact forever; only the most recent `maxEntries` requests are kept in full, since a sandbox
 * simulator lives as long as the service.
 */
export class RequestLog {
  private readonly entries: RecordedRequest[] = [];
  private readonly perPath = new Map<string, number>();
  private readonly perUpstream = new Map<UpstreamName, number>();

  constructor(private readonly maxEntries = 1_000) {}

  record(request: RecordedRequest): void {
    const pathKey = `${request.upstream} ${request.path}`;
    this.perPath.set(pathKey, (this.perPath.get(pathKey) ?? 0) + 1);
    this.perUpstream.set(request.upstream, (this.perUpstream.get(request.upstream) ?? 0) + 1);
    this.entries.push(request);
    if (this.entries.length > this.maxEntries) this.entries.shift();
  }

  /** Number of requests to `upstream`, optionally only those to exactly `path`. */
  count(upstream: UpstreamName, path?: string): number {
    return (path === undefined ? this.perUpstream.get(upstream) : this.perPath.get(`${upstream} ${path}`)) ?? 0;
  }

  /** The most recent requests, oldest first. */
  recent(): readonly RecordedRequest[] {
    return this.entries;
  }

  last(upstream: UpstreamName): RecordedRequest | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (this.entries[i].upstream === upstream) return this.entries[i];
    }
    return undefined;
  }

  reset(): void {
    this.entries.length = 0;
    this.perPath.clear();
    this.perUpstream.clear();
  }
}
