import { createParamDecorator, ExecutionContext, ForbiddenException, Inject, Injectable, SetMetadata, UnauthorizedException, type CanActivate } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { API_KEY_STORE, ApiConsumer, ApiKeyStore, ApiTier } from './contracts';

export const API_KEY_HEADER = 'x-api-key';
export const API_KEY_QUERY_PARAM = 'api_key';

/** 401 (no or unknown key) or 403 (known key, tier without access). */
export class ApiKeyAccessError extends Error {
  override name = 'ApiKeyAccessError';
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
  }
  get code(): 'unauthorized' | 'forbidden' {
    return this.status === 401 ? 'unauthorized' : 'forbidden';
  }
}

/** Resolves a presented key to its consumer and checks the tier; used by the HTTP guard and by WebSocket gateways. */
@Injectable()
export class ApiKeyAuthenticator {
  constructor(@Inject(API_KEY_STORE) private readonly store: ApiKeyStore) {}

  async authenticate(key: string | undefined, allowedTiers?: readonly ApiTier[]): Promise<ApiConsumer> {
    if (!key) throw new ApiKeyAccessError(401, `missing API key: send it in the X-API-Key header`);
    const consumer = await this.store.findByKey(key);
    if (!consumer) throw new ApiKeyAccessError(401, 'invalid API key');
    if (allowedTiers && !allowedTiers.includes(consumer.tier)) {
      throw new ApiKeyAccessError(403, `tier ${consumer.tier} has no access here (needs ${allowedTiers.join(' or ')})`);
    }
    return consumer;
  }
}

/** The key of an HTTP request (header) or a WebSocket upgrade (header, else the `api_key` query parameter). */
export function apiKeyFromRequest(request: Pick<IncomingMessage, 'headers' | 'url'>, options: { allowQuery: boolean }): string | undefined {
  const header = request.headers[API_KEY_HEADER];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (fromHeader) return fromHeader.trim();
  if (!options.allowQuery) return undefined;
  try {
    return new URL(request.url ?? '/', 'http://localhost').searchParams.get(API_KEY_QUERY_PARAM) ?? undefined;
  } catch {
    return undefined;
  }
}

const TIERS_METADATA = 'api-keys:tiers';
/** Tiers allowed on a route guarded by `ApiKeyGuard` (default: every tier). */
export const RequireApiTiers = (...tiers: ApiTier[]) => SetMetadata(TIERS_METADATA, tiers);

type RequestWithConsumer = IncomingMessage & { apiConsumer?: ApiConsumer };

/** HTTP guard: `X-API-Key` → `request.apiConsumer`; 401 missing/invalid, 403 tier without access. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly auth: ApiKeyAuthenticator,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithConsumer>();
    const tiers = this.reflector.getAllAndOverride<ApiTier[] | undefined>(TIERS_METADATA, [context.getHandler(), context.getClass()]);
    try {
      request.apiConsumer = await this.auth.authenticate(apiKeyFromRequest(request, { allowQuery: false }), tiers);
      return true;
    } catch (error) {
      if (!(error instanceof ApiKeyAccessError)) throw error;
      throw error.status === 401
        ? new UnauthorizedException({ code: 401, message: error.message, details: [] })
        : new ForbiddenException({ code: 403, message: error.message, details: [] });
    }
  }
}

/** The consumer `ApiKeyGuard` resolved. */
export const CurrentApiConsumer = createParamDecorator((_data: unknown, context: ExecutionContext): ApiConsumer => {
  const consumer = context.switchToHttp().getRequest<RequestWithConsumer>().apiConsumer;
  if (!consumer) throw new Error('CurrentApiConsumer used on a route without ApiKeyGuard');
  return consumer;
});
