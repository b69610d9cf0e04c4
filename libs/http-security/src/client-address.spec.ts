import type { IncomingMessage } from 'node:http';
import { clientAddress, compileTrustedProxies } from './client-address';

const request = (peer: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress: peer }, connection: { remoteAddress: peer }, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} }) as unknown as IncomingMessage;

describe('clientAddress', () => {
  it('is the TCP peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress(request('::ffff:10.0.0.5', '203.0.113.9'))).toBe('10.0.0.5');
    expect(clientAddress(request('10.0.0.5', '203.0.113.9'), compileTrustedProxies([]))).toBe('10.0.0.5');
  });

  it('behind a trusted load balancer, is the client the balancer names', () => {
    const trust = compileTrustedProxies(['uniquelocal']);
    expect(clientAddress(request('10.0.0.5', '203.0.113.9'), trust)).toBe('203.0.113.9');
  });

  it('cannot be spoofed: entries are believed only back to the first hop that is not a trusted proxy', () => {
    const trust = compileTrustedProxies(['10.0.0.0/8']);
    // the client wrote "198.51.100.1" itself; the balancer appended the real peer 203.0.113.9
    expect(clientAddress(request('10.0.0.5', '198.51.100.1, 203.0.113.9'), trust)).toBe('203.0.113.9');
    // a client talking to us directly is not a trusted proxy: its header is ignored
    expect(clientAddress(request('203.0.113.9', '198.51.100.1'), trust)).toBe('203.0.113.9');
  });

  it('refuses a bad TRUSTED_PROXIES entry', () => {
    expect(() => compileTrustedProxies(['not-an-ip'])).toThrow();
  });
});
