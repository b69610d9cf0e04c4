import { ApiKeyGuard, CurrentApiConsumer, type ApiConsumer } from '@app/api-keys';
import { SECURITY, toOpenApiSchema } from '@app/contract';
import { BadRequestException, Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { SpreadQueryError } from './api/spread-filters';
import { SpreadsHistoryQuery, SpreadsRecentQuery } from './api/spread-query.dto';
import { SpreadsQueryService, type HistoryResponse, type RecentResponse } from './api/spreads-query.service';
import { SPREADS_HISTORY_RESPONSE, SPREADS_RECENT_RESPONSE } from './spreads.contract';

/** Seed 003 REST: `GET /v1/spreads/recent` and `GET /v1/spreads/history` (X-API-Key; tiers in api/access-policy.ts). */
@ApiTags('spreads')
@ApiSecurity(SECURITY.apiKeyHeader)
@ApiBadRequestResponse({ description: 'A bad or unknown parameter: `{ code: 400, message, details: [{ param, message }] }`' })
@ApiUnauthorizedResponse({ description: 'No or unknown X-API-Key' })
@ApiForbiddenResponse({ description: 'The tier has no access to this surface' })
@Controller('v1/spreads')
@UseGuards(ApiKeyGuard)
export class SpreadsController {
  constructor(private readonly queries: SpreadsQueryService) {}

  @Get('recent')
  @ApiOperation({ summary: 'Of the last 500 spread events the caller may see (after its delay), the matching ones (README "Spreads")' })
  @ApiOkResponse({ description: 'The matching events, oldest first', schema: toOpenApiSchema(SPREADS_RECENT_RESPONSE) })
  recent(@Query() query: SpreadsRecentQuery, @CurrentApiConsumer() consumer: ApiConsumer): Promise<RecentResponse> {
    return badRequestOnInvalid(() => this.queries.recent(query as Record<string, unknown>, consumer));
  }

  @Get('history')
  @ApiOperation({ summary: 'Durable spread event log, keyset-paginated with meta.next_before (unix seconds)' })
  @ApiOkResponse({ description: 'One page of the log, oldest first within the page', schema: toOpenApiSchema(SPREADS_HISTORY_RESPONSE) })
  history(@Query() query: SpreadsHistoryQuery, @CurrentApiConsumer() consumer: ApiConsumer): Promise<HistoryResponse> {
    return badRequestOnInvalid(() => this.queries.history(query as Record<string, unknown>, consumer));
  }
}

/**
 * The global ValidationPipe has checked the DTO (types, bounds, unknown params); the feature's parser does the rest
 * (symbols, csv lists, min_pct <= max_pct, timestamps and cursors) and shares it with the live socket. Both answer
 * `details: [{ param, message }]`.
 */
async function badRequestOnInvalid<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof SpreadQueryError ? new BadRequestException({ code: 400, message: error.message, details: error.details }) : error;
  }
}
