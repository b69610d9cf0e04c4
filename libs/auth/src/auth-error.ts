/**
 * Why a token was refused. `unavailable` is ours, not the client's: the JWKS endpoint could not be read, so no
 * token can be checked right now (a client retrying later may succeed without logging in again).
 */
export type AuthFailureReason = 'missing' | 'invalid' | 'expired' | 'unavailable';

const MESSAGES: Record<AuthFailureReason, string> = {
  missing: 'no access token: send the access_token cookie or an Authorization: Bearer header',
  invalid: 'access token is invalid',
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
