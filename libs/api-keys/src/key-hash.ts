import { createHash, createHmac, randomBytes } from 'node:crypto';

/** The stored form of a key: sha256 hex. Keys are high-entropy random strings, so no slow KDF is needed. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Per-consumer trace watermark: `c_` + the first 16 hex of HMAC-SHA256(server salt, consumer id).
 * Stable per consumer (the salt is persisted), and neither the key nor the id can be read back from it.
 */
export function traceWatermark(serverSalt: string, consumerId: number): string {
  return `c_${createHmac('sha256', serverSalt).update(String(consumerId)).digest('hex').slice(0, 16)}`;
}

/** A fresh key for the CLI: 32 random bytes, url-safe. */
export function generateApiKey(prefix = 'mg'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function generateSecret(): string {
  return randomBytes(32).toString('hex');
}
