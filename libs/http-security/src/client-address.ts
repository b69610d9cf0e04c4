import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/** Whether the hop at `address` is a proxy of ours (its `X-Forwarded-For` is believed). */
export type TrustProxy = (address: string, hop: number) => boolean;

/**
 * `TRUSTED_PROXIES` compiled by proxy-addr (what Express's `trust proxy` uses): IPs, CIDRs, or its names
 * `loopback`, `linklocal`, `uniquelocal`. Undefined for an empty list: no header is believed. Throws on a bad entry.
 */
export function compileTrustedProxies(list: readonly string[]): TrustProxy | undefined {
  return list.length > 0 ? proxyaddr.compile([...list]) : undefined;
}

/**
 * The client's address: the TCP peer, or behind trusted proxies (a load balancer) the nearest address in
 * `X-Forwarded-For` that is not one of them. A client cannot spoof it: entries are believed only as far back as
 * every hop after them is trusted. IPv4-mapped IPv6 is folded to IPv4.
 */
export function clientAddress(request: IncomingMessage, trust?: TrustProxy): string {
  let address = request.socket?.remoteAddress ?? 'unknown';
  if (trust && request.socket?.remoteAddress) address = proxyaddr(request as Parameters<typeof proxyaddr>[0], trust);
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
