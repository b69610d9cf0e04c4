import { ApiKeyGuard, CurrentApiConsumer, type ApiConsumer } from '@app/api-keys';
import { BadRequestException, Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SpreadQueryError } from './api/spread-filters';
import { SpreadsQueryService, type HistoryResponse, type RecentResponse } from './api/spreads-query.service';

/** Seed 003 REST: `GET /v1/spreads/recent` and `GET /v1/spreads/history` (X-API-Key; tiers in api/access-policy.ts). */
@ApiTags('spreads')
@ApiHeader({ name: 'X-API-Key', required: true })
@Controller('v1/spreads')
@UseGuards(ApiKeyGuard)
export class SpreadsController {
  constructor(private readonly queries: SpreadsQueryService) {}

  @Get('recent')
  @ApiOperation({ summary: 'Of the last 500 spread events the caller may see (after its delay), the matching ones (README "Spreads")' })
  recent(@Query() query: Record<string, unknown>, @CurrentApiConsumer() consumer: ApiConsumer): Promise<RecentResponse> {
    return badRequestOnInvalid(() => this.queries.recent(query, consumer));
  }

  @Get('history')
  @ApiOperation({ summary: 'Durable spread event log, keyset-paginated with meta.next_before (unix seconds)' })
  history(@Query() query: Record<string, unknown>, @CurrentApiConsumer() consumer: ApiConsumer): Promise<HistoryResponse> {
    return badRequestOnInvalid(() => this.queries.history(query, consumer));
  }
}

/**
 * The query is parsed by the feature (`parseSpreadQuery`), not by a DTO under the global ValidationPipe: the same
 * parser serves the live socket, and both answer `details: [{ param, message }]`.
 */
async function badRequestOnInvalid<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof SpreadQueryError ? new BadRequestException({ code: 400, message: error.message, details: error.details }) : error;
  }
}
