/**
 * Why a token was refused. `unavailable` is ours, not the client's: the JWKS endpoint could not be read, so no
 * token can be checked right now (a client retrying later may succeed without logging in again).
 */
export type AuthFailureReason = 'missing' | 'invalid' | 'no_expiry' | 'too_long_lived' | 'expired' | 'unavailable';

const MESSAGES: Record<AuthFailureReason, string> = {
  missing: 'no access token: send the access_token cookie or an Authorization: Bearer header',
  invalid: 'access token is invalid',
  no_expiry: 'access token has no exp claim: tokens must expire',
  too_long_lived: 'access token lives longer than this server accepts (exp - iat beyond the maximum token age)',
  expired: 'access token has expired',
  unavailable: 'access tokens cannot be verified right now',
};

/** A refused token. `message` is safe to send to the client; the underlying error, if any, is in `cause`. */
export class AuthError extends Error {
  override name = 'AuthError';
  constructor(
    readonly reason: AuthFailureReason,
    options?: { cause?: unknown },
  ) {
    super(MESSAGES[reason], options);
  }
}
