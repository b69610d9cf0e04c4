import type { ApiConsumer, ApiKeyStore } from '../contracts';
import type { ReplayGuard, SignatureUse } from './replay-guard';
import { SignedParts, signatureMatches } from './request-signature';

export const SIGNATURE_HEADERS = { apiKey: 'x-api-key', timestamp: 'x-timestamp', sign: 'x-sign' } as const;

/** Why a signed request was refused; each maps to its own error code. */
export type SignatureFailure = 'missing_credentials' | 'invalid_timestamp' | 'stale_timestamp' | 'unknown_key' | 'invalid_signature' | 'replayed';

export class SignedRequestError extends Error {
  override name = 'SignedRequestError';
  constructor(
    readonly reason: SignatureFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface SignedRequest extends Omit<SignedParts, 'timestamp'> {
  apiKey?: string;
  timestamp?: string;
  sign?: string;
}

export interface SignedRequestVerifierOptions {
  /** accepted clock difference either way (default 30 s) */
  windowMs?: number;
  now?: () => number;
}

/**
 * Verifies `X-API-KEY` / `X-TIMESTAMP` / `X-SIGN` requests: timestamp within ±30 s, HMAC-SHA256 of
 * timestamp + METHOD + path + body with the key's secret (constant-time compare), and no exact replay.
 * Cheap checks first; the replay guard is consulted only for a valid signature, so forgeries can't burn signatures.
 */
export class SignedRequestVerifier {
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(
    private readonly keys: Pick<ApiKeyStore, 'findByKey'>,
    private readonly replays: ReplayGuard,
    options: SignedRequestVerifierOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** Every check, and the signature spent: a replay is refused. */
  async verify(request: SignedRequest): Promise<ApiConsumer> {
    const { consumer, signature } = await this.check(request);
    await this.spend(signature);
    return consumer;
  }

  /**
   * Every check but the replay guard: the signature is returned unspent, for the caller to spend with the call's
   * charge (`PointsMeter.charge`) or with `spend`. A request is served only once its signature is spent.
   */
  async check(request: SignedRequest): Promise<{ consumer: ApiConsumer; signature: SignatureUse }> {
    const { apiKey, timestamp, sign } = request;
    if (!apiKey || !timestamp || !sign) {
      const missing = [!apiKey && 'X-API-KEY', !timestamp && 'X-TIMESTAMP', !sign && 'X-SIGN'].filter(Boolean).join(', ');
      throw new SignedRequestError('missing_credentials', `missing ${missing}: every request is signed (see the README, "Signed requests")`);
    }
    if (!/^\d{1,16}$/.test(timestamp)) throw new SignedRequestError('invalid_timestamp', 'X-TIMESTAMP must be epoch milliseconds (digits only)');
    const now = this.now();
    const skew = now - Number(timestamp);
    if (Math.abs(skew) > this.windowMs) {
      throw new SignedRequestError('stale_timestamp', `X-TIMESTAMP is ${Math.round(skew / 1000)} s off the server clock; at most ±${this.windowMs / 1000} s is accepted`);
    }
    const consumer = await this.keys.findByKey(apiKey);
    if (!consumer) throw new SignedRequestError('unknown_key', 'unknown or disabled API key');
    if (!signatureMatches(consumer.secret, { ...request, timestamp }, sign)) {
      throw new SignedRequestError('invalid_signature', 'X-SIGN does not match: hex HMAC-SHA256 of timestamp + method + path + body with the key secret');
    }
    return { consumer, signature: { consumerId: consumer.id, signature: sign.toLowerCase(), expiresAtMs: Number(timestamp) + this.windowMs + 1_000, now } };
  }

  /** Spends a checked request's signature; a replay is refused. */
  async spend(signature: SignatureUse): Promise<void> {
    if (!(await this.replays.firstUse(signature.consumerId, signature.signature, signature.expiresAtMs, signature.now))) throw replayedError();
  }
}

/** the refusal of a signature used before, by the replay guard or by a charge that spends it */
export function replayedError(): SignedRequestError {
  return new SignedRequestError('replayed', 'this exact signed request was already received; sign each request anew');
}
