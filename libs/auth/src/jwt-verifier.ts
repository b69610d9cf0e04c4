import type { AppConfig } from '@app/config';
import { createRemoteJWKSet, errors, FlattenedJWSInput, JWTHeaderParameters, JWTPayload, jwtVerify, KeyLike } from 'jose';
import { AuthError } from './auth-error';

export type JwtClaims = JWTPayload;
export type JwtKeySettings = Pick<AppConfig['auth'], 'jwtSecret' | 'jwksUrl' | 'maxTokenAgeSeconds'>;

/** Algorithms accepted from the JWKS. Never `none`, and never HS256 there: an HMAC "signed" with a public key is forgeable. */
export const JWKS_ALGORITHMS = ['RS256', 'ES256'];
/** Tolerated clock difference between the token issuer and us. */
const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * Verifies access tokens: HS256 with `AUTH_JWT_SECRET`, RS256/ES256 with keys from `AUTH_JWKS_URL` (fetched on
 * first use, cached and refetched by jose on an unknown `kid`). With both set, the token's `alg` picks the key.
 * Every token must carry `exp` (a token without it would never expire). With `AUTH_MAX_TOKEN_AGE_S` set, a token's
 * lifetime, `exp - iat` (`exp - now` when it has no `iat`), must not exceed it: its age can then never exceed it either.
 */
export class JwtVerifier {
  private readonly secret?: Uint8Array;
  private readonly jwks?: ReturnType<typeof createRemoteJWKSet>;
  private readonly algorithms: string[];
  private readonly maxTokenAgeSeconds?: number;

  constructor(settings: JwtKeySettings) {
    this.maxTokenAgeSeconds = settings.maxTokenAgeSeconds;
    if (settings.jwtSecret) this.secret = new TextEncoder().encode(settings.jwtSecret);
    if (settings.jwksUrl) this.jwks = createRemoteJWKSet(new URL(settings.jwksUrl));
    this.algorithms = [...(this.secret ? ['HS256'] : []), ...(this.jwks ? JWKS_ALGORITHMS : [])];
  }

  /** Returns the token's claims, or throws an `AuthError` saying why not. */
  async verify(token: string | undefined): Promise<JwtClaims & { exp: number }> {
    if (!token) throw new AuthError('missing');
    let payload: JwtClaims;
    try {
      ({ payload } = await jwtVerify(token, this.keyFor, { algorithms: this.algorithms, clockTolerance: CLOCK_TOLERANCE_SECONDS, requiredClaims: ['exp'] }));
    } catch (error) {
      if (error instanceof AuthError) throw error;
      if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'exp' && error.reason === 'missing') throw new AuthError('no_expiry', { cause: error });
      throw new AuthError(error instanceof errors.JWTExpired ? 'expired' : 'invalid', { cause: error });
    }
    const exp = payload.exp!; // required above, and jose checked it is a number
    if (this.maxTokenAgeSeconds !== undefined) {
      const issuedAt = typeof payload.iat === 'number' ? payload.iat : Date.now() / 1000;
      if (exp - issuedAt > this.maxTokenAgeSeconds) throw new AuthError('too_long_lived');
    }
    return { ...payload, exp };
  }

  /** jose checks `alg` against `algorithms` before calling this, so the key matching `alg` exists. */
  private readonly keyFor = async (header: JWTHeaderParameters, token: FlattenedJWSInput): Promise<KeyLike | Uint8Array> => {
    if (header.alg === 'HS256' && this.secret) return this.secret;
    if (!this.jwks) throw new AuthError('invalid');
    try {
      return await this.jwks(header, token);
    } catch (error) {
      // No key for this `kid` is the token's fault; anything else (unreachable, timeout, bad JSON) is ours.
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new AuthError('unavailable', { cause: error });
    }
  };
}
