import { Module } from '@nestjs/common';
import { loadExplorerAssets } from './explorer-assets';
import { EXPLORER_ASSETS, ExplorerController } from './explorer.controller';

/** The stream explorer: a static page that reads `/asyncapi.json` and talks to `/v1/stream` from the browser. */
@Module({
  controllers: [ExplorerController],
  providers: [{ provide: EXPLORER_ASSETS, useFactory: () => loadExplorerAssets() }],
})
export class ExplorerModule {}
