import { Logger } from '@nestjs/common';

/** The few log calls the upstream layer makes. `debug` takes a function so hot paths build no strings when it is off. */
export interface UpstreamLogger {
  debug(message: () => string): void;
  log(message: string): void;
  warn(message: string): void;
}

/**
 * Nest `Logger` (the app maps it to pino). Whether debug is on is passed in: with pino behind Nest,
 * `Logger.isLevelEnabled` does not know pino's level, so the module derives it from `AppConfig.logLevel`.
 */
export class NestUpstreamLogger implements UpstreamLogger {
  private readonly logger: Logger;

  constructor(
    context: string,
    private readonly debugEnabled: () => boolean = () => Logger.isLevelEnabled('debug'),
  ) {
    this.logger = new Logger(context);
  }

  debug(message: () => string): void {
    if (this.debugEnabled()) this.logger.debug(message());
  }

  log(message: string): void {
    this.logger.log(message);
  }

  warn(message: string): void {
    this.logger.warn(message);
  }
}

/** Passes every line through `redact` first, so no caller can leak a secret into the logs by accident. */
export class RedactingLogger implements UpstreamLogger {
  constructor(
    private readonly inner: UpstreamLogger,
    private readonly redact: (text: string) => string,
  ) {}

  debug(message: () => string): void {
    this.inner.debug(() => this.redact(message()));
  }

  log(message: string): void {
    this.inner.log(this.redact(message));
  }

  warn(message: string): void {
    this.inner.warn(this.redact(message));
  }
}
