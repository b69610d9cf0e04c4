import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { toOpenApiSchema } from '@app/contract';
import { SYMBOL_INFO_RESPONSE } from './dex-metrics.contract';
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
  @ApiOkResponse({ description: 'TradingView symbol_info: `s: "ok"` and one array per field, index i of each array describing symbol i', schema: toOpenApiSchema(SYMBOL_INFO_RESPONSE) })
  symbolInfo(): Record<string, unknown> {
    return this.dex.symbolInfo();
  }
}
