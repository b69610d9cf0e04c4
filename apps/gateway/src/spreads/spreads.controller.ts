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
  @ApiOperation({ summary: 'Last <=500 spread events in memory, filtered (README "Spreads")' })
  recent(@Query() query: Record<string, unknown>, @CurrentApiConsumer() consumer: ApiConsumer): RecentResponse {
    return badRequestOnInvalid(() => this.queries.recent(query, consumer));
  }

  @Get('history')
  @ApiOperation({ summary: 'Durable spread event log, keyset-paginated with meta.next_before' })
  async history(@Query() query: Record<string, unknown>, @CurrentApiConsumer() consumer: ApiConsumer): Promise<HistoryResponse> {
    try {
      return await this.queries.history(query, consumer);
    } catch (error) {
      throw asBadRequest(error);
    }
  }
}

function badRequestOnInvalid<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw asBadRequest(error);
  }
}

function asBadRequest(error: unknown): unknown {
  return error instanceof SpreadQueryError ? new BadRequestException({ code: 400, message: error.message, details: error.details }) : error;
}
