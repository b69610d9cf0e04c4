import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipRateLimits } from '@app/http-security';
import { MetricsService } from '@app/observability';

@ApiTags('operations')
@SkipRateLimits() // probes and scrapers are never rate limited
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics (ws_connections, frames, upstream calls, ...)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: { type: 'string', example: 'ws_connections{stream="btc_dom"} 3' } } } })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
