import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DexMetricsService } from './dex-metrics.service';

@ApiTags('dex-metrics')
@Controller()
export class SymbolInfoController {
  constructor(private readonly dex: DexMetricsService) {}

  @Get('symbol_info')
  @ApiOperation({
    summary: 'The DEX spot symbols whose metrics are emitted (TradingView symbol_info format)',
    description: 'Columnar: one array per field. `ticker` is the Kafka message key, e.g. `bsc:0x16b9…dae-USD`.',
  })
  @ApiOkResponse({ description: '{ s: "ok", symbol: [...], ticker: [...], description: [...], type: [...], currency: [...], "base-currency": [...], ... }' })
  symbolInfo(): Record<string, unknown> {
    return this.dex.symbolInfo();
  }
}
