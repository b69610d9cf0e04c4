import type { IncomingMessage } from 'node:http';

/** Tuning of the hub. Defaults suit production; tests shorten the timings. */
export interface RealtimeOptions {
  /** connections this process accepts across every WebSocket surface; more are closed with 1013 */
  maxConnections: number;
  /** connections one client IP may hold across every surface; more are refused on the upgrade with HTTP 429 */
  maxConnectionsPerIp: number;
  /** load balancers whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`); empty: the TCP peer is the client */
  trustedProxies?: readonly string[];
  /** largest inbound message (update params), bytes */
  maxPayloadBytes: number;
  /** ping every this often; a socket that did not answer the previous ping is terminated */
  heartbeatMs: number;
  /** bounds of the push interval */
  minIntervalMs: number;
  maxIntervalMs: number;
  /** first retry after a failed refresh; doubles up to `errorBackoffMaxMs` */
  errorBackoffMs: number;
  errorBackoffMaxMs: number;
  /** a feed with no subscribers keeps running this long, so a reconnecting client finds it warm */
  lingerMs: number;
  /** scheduled refreshes are spread by up to this much so feeds do not fire in lockstep */
  jitterMs: number;
  /** a socket whose send buffer would pass this skips frames (latest frame wins later) */
  backpressureBytes: number;
  /** a socket lagging this long, or buffering more than `hardCapBytes`, is terminated */
  stuckMs: number;
  hardCapBytes: number;
  /** update messages a client may send per second */
  maxMessagesPerSecond: number;
  /** subscriptions one `/v1/stream` socket may hold (REALTIME_MAX_SUBSCRIPTIONS) */
  maxSubscriptionsPerSocket: number;
  /**
   * with Redis: how long a feed's lease lives unless its holder renews it (every third of it). A replica that dies
   * holding feeds keeps them this long at most; then a replica with clients on them takes over.
   */
  feedLeaseTtlMs: number;
}

export const REALTIME_OPTIONS = Symbol('REALTIME_OPTIONS');

export const DEFAULT_REALTIME_OPTIONS: RealtimeOptions = {
  maxConnections: 20_000,
  maxConnectionsPerIp: 500,
  maxPayloadBytes: 16 * 1024,
  heartbeatMs: 30_000,
  minIntervalMs: 1_000,
  maxIntervalMs: 5 * 60_000,
  errorBackoffMs: 2_000,
  errorBackoffMaxMs: 60_000,
  lingerMs: 30_000,
  jitterMs: 2_000,
  backpressureBytes: 1024 * 1024,
  stuckMs: 30_000,
  hardCapBytes: 8 * 1024 * 1024,
  maxMessagesPerSecond: 10,
  maxSubscriptionsPerSocket: 32,
  feedLeaseTtlMs: 15_000,
};

/** Decides whether a connecting client may read a stream that requires auth. */
export interface StreamAuthenticator {
  readonly enabled: boolean;
  /** `expiresAt` (epoch ms): when the credential expires; the socket is closed with 4401 then */
  authenticate(request: IncomingMessage): Promise<{ ok: true; expiresAt?: number } | { ok: false; reason: string; message?: string }>;
}

export const STREAM_AUTHENTICATOR = Symbol('STREAM_AUTHENTICATOR');
