import { APP_CONFIG, AppConfig } from '@app/config';
import { Global, Logger, Module, OnModuleInit } from '@nestjs/common';
import { JwtVerifier } from './jwt-verifier';
import { WsAuthenticator } from './ws-authenticator';

export const AUTH_DISABLED_WARNING = 'AUTH DISABLED: seed-000 streams accept anonymous clients';

/** Provides `JwtVerifier` and `WsAuthenticator` app-wide; says loudly at start-up when auth is off. */
@Global()
@Module({
  providers: [
    { provide: JwtVerifier, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new JwtVerifier(config.auth) },
    {
      provide: WsAuthenticator,
      inject: [APP_CONFIG, JwtVerifier],
      useFactory: (config: AppConfig, verifier: JwtVerifier) => new WsAuthenticator(config.auth, verifier),
    },
  ],
  exports: [JwtVerifier, WsAuthenticator],
})
export class AuthModule implements OnModuleInit {
  private readonly logger = new Logger('Auth');

  constructor(private readonly authenticator: WsAuthenticator) {}

  onModuleInit(): void {
    if (!this.authenticator.enabled) this.logger.warn(AUTH_DISABLED_WARNING);
  }
}
