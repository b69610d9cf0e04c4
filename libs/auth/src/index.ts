export { AuthError } from './auth-error';
export type { AuthFailureReason } from './auth-error';
export { AUTH_DISABLED_WARNING, AuthModule } from './auth.module';
export { ACCESS_TOKEN_COOKIE, extractToken, readCookie } from './extract-token';
export { JWKS_ALGORITHMS, JwtVerifier } from './jwt-verifier';
export type { JwtClaims, JwtKeySettings } from './jwt-verifier';
export { WsAuthenticator } from './ws-authenticator';
export type { WsAuthResult } from './ws-authenticator';
