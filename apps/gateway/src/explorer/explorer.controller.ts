import { Controller, Get, Header, Inject, NotFoundException, Param, StreamableFile } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { ExplorerAsset } from './explorer-assets';

export const EXPLORER_ASSETS = Symbol('EXPLORER_ASSETS');

/** `GET /explorer`: the stream explorer page and its files, all served from this process (no CDN). */
@ApiExcludeController()
@Controller('explorer')
export class ExplorerController {
  constructor(@Inject(EXPLORER_ASSETS) private readonly assets: ReadonlyMap<string, ExplorerAsset>) {}

  @Get()
  @Header('Cache-Control', 'no-cache')
  page(): StreamableFile {
    return this.file('index.html');
  }

  @Get(':file')
  @Header('Cache-Control', 'no-cache')
  asset(@Param('file') file: string): StreamableFile {
    return this.file(file);
  }

  private file(name: string): StreamableFile {
    const asset = this.assets.get(name);
    if (!asset) throw new NotFoundException(`No explorer file named ${name.slice(0, 64)}`);
    return new StreamableFile(asset.body, { type: asset.contentType, length: asset.body.length });
  }
}
