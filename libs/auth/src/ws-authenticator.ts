import type { AppConfig } from '@app/config';
import type { IncomingHttpHeaders } from 'node:http';
import { AuthError, AuthFailureReason } from './auth-error';
import { extractToken } from './extract-token';
import { JwtClaims, JwtVerifier } from './jwt-verifier';

export type WsAuthResult =
  /** `expiresAt`: the token's `exp` in epoch ms (the socket is closed with 4401 then); absent when auth is off */
  | { ok: true; subject?: string; claims: JwtClaims; expiresAt?: number }
  /** `message` is safe to put in the error frame; close with 4401 */
  | { ok: false; code: 'unauthorized'; reason: AuthFailureReason; message: string };

/** Decides whether a seed-000 stream upgrade may proceed. */
export class WsAuthenticator {
  constructor(
    private readonly settings: Pick<AppConfig['auth'], 'required'>,
    private readonly verifier: JwtVerifier,
  ) {}

  /** false when `AUTH_REQUIRED` is off: everyone is let in and tokens are not even read */
  get enabled(): boolean {
    return this.settings.required;
  }

  async authenticate(req: { headers: IncomingHttpHeaders }): Promise<WsAuthResult> {
    if (!this.enabled) return { ok: true, claims: {} };
    try {
      const claims = await this.verifier.verify(extractToken(req));
      return { ok: true, subject: claims.sub, claims, expiresAt: claims.exp * 1000 };
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      return { ok: false, code: 'unauthorized', reason: error.reason, message: error.message };
    }
  }
}
