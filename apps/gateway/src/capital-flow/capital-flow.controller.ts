import { Body, Controller, HttpCode, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { S, SECURITY, toOpenApiSchema } from '@app/contract';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CapitalFlowService } from './capital-flow.service';
import { CoinTradeSnapshotRequest, VsTokenListRequest } from './capital-flow.dto';
import { COIN_TRADE_SNAPSHOT_SCHEMA, openApiEnvelopeSchema, VS_TOKEN_ITEM_SCHEMA } from './capital-flow.schemas';
import { OpenApiAccess, POINTS_COST, SignedHttpRequest, SignedRequestGuard } from './open-api-access';
import { CapitalFlowMetrics } from './capital-flow.metrics';
import { OPEN_API_CODES, OpenApiError, requestIdOf, routeOf, sendSuccess } from './open-api-envelope';
import { OpenApiExceptionFilter } from './open-api-exception.filter';
import { isEmptySnapshot } from './snapshot';

export const CAPITAL_FLOW_PATHS = {
  snapshot: '/api/open/v1/trade/getCoinTradeSnapshot',
  tokenList: '/api/open/v1/vs-token/list',
  live: '/api/open/v1/trade/snapshot/live',
} as const;

/** ingestion retries a failed series every 30 s: a minute later is worth asking again */
const DATA_UNAVAILABLE_RETRY_S = 60;

/** Seed 002's open API: signed requests, points per call, the seed envelope for every answer. */
@ApiTags('capital-flow')
// the three signed headers together (one requirement object: all of them)
@ApiSecurity({ [SECURITY.signedKey]: [], [SECURITY.signedTimestamp]: [], [SECURITY.signedSign]: [] })
@Controller()
@UseFilters(OpenApiExceptionFilter)
@UseGuards(SignedRequestGuard)
export class CapitalFlowController {
  constructor(
    private readonly flows: CapitalFlowService,
    private readonly access: OpenApiAccess,
    private readonly metrics: CapitalFlowMetrics,
  ) {}

  @Post(CAPITAL_FLOW_PATHS.snapshot)
  @HttpCode(200)
  @ApiOperation({ summary: 'Capital snapshot of a token at an instant (3 points)' })
  @ApiOkResponse({ description: 'The snapshot, in the seed envelope (errors too: code ≠ 200, data null)', schema: toOpenApiSchema(openApiEnvelopeSchema(COIN_TRADE_SNAPSHOT_SCHEMA)) })
  async snapshot(@Body() body: CoinTradeSnapshotRequest, @Req() request: SignedHttpRequest, @Res() response: Response): Promise<void> {
    const token = this.flows.token(body.vsTokenId);
    if (!token) throw new OpenApiError(OPEN_API_CODES.unknownToken, 404, `unknown vsTokenId ${body.vsTokenId}: see POST ${CAPITAL_FLOW_PATHS.tokenList}`);
    // read before charging: with no stored point at all (an upstream outage since the very start) nothing is charged
    const snapshot = this.flows.snapshot(token, body.date);
    if (isEmptySnapshot(snapshot)) {
      throw new OpenApiError(OPEN_API_CODES.dataUnavailable, 503, `no capital-flow data for ${token.symbol} yet: its upstream has not answered since the data was last stored; retry later`, {
        'retry-after': String(DATA_UNAVAILABLE_RETRY_S),
      });
    }
    response.set({ ...(await this.access.chargeCall(request, POINTS_COST.snapshot)), 'x-request-id': requestIdOf(request) });
    this.counted(request, POINTS_COST.snapshot);
    sendSuccess(request, response, snapshot);
  }

  @Post(CAPITAL_FLOW_PATHS.tokenList)
  @HttpCode(200)
  @ApiOperation({ summary: 'Tracked tokens and their vsTokenId (free)' })
  @ApiOkResponse({ description: 'The tracked tokens, in the seed envelope', schema: toOpenApiSchema(openApiEnvelopeSchema(S.array(VS_TOKEN_ITEM_SCHEMA))) })
  async tokenList(@Body() body: VsTokenListRequest, @Req() request: SignedHttpRequest, @Res() response: Response): Promise<void> {
    response.set({ ...(await this.access.chargeCall(request, POINTS_COST.tokenList)), 'x-request-id': requestIdOf(request) });
    this.counted(request, POINTS_COST.tokenList);
    const symbol = body.symbol?.toUpperCase();
    sendSuccess(request, response, this.flows.listTokens().filter((token) => !symbol || token.symbol === symbol));
  }

  private counted(request: SignedHttpRequest, points: number): void {
    const route = routeOf(request);
    this.metrics.requests.inc({ route, code: String(OPEN_API_CODES.success) });
    this.metrics.pointsCharged.inc({ route }, points);
  }
}
