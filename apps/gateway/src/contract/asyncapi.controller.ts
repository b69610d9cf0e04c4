import { asyncApiDocument } from '@app/contract';
import { StreamDescriptors } from '@app/realtime';
import { Controller, Get, Header, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';

/** The version of the published contracts (AsyncAPI and OpenAPI). */
export const CONTRACT_VERSION = '0.1.0';

/** `host` or `host:port`, a name or an address: anything else in a Host header is not echoed into the document. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/;
const MAX_HOST_LENGTH = 261;

/** The host clients should connect to: the request's own Host when it is a plain host[:port], else the local address. */
export function serverHost(request: Request): string {
  const host = request.headers.host;
  if (typeof host === 'string' && host.length <= MAX_HOST_LENGTH && HOST.test(host)) return host;
  const port = request.socket.localPort;
  return port ? `localhost:${port}` : 'localhost';
}

/** `GET /asyncapi.json`: the AsyncAPI 3.0 document of every stream, generated from the streams' descriptors. */
@ApiTags('contract')
@Controller()
export class AsyncApiController {
  constructor(private readonly catalog: StreamDescriptors) {}

  @Get('asyncapi.json')
  @Header('Cache-Control', 'no-cache')
  @ApiProduces('application/json')
  @ApiOperation({
    summary: 'AsyncAPI 3.0 document of every WebSocket stream (single-stream paths and the /v1/stream names)',
    description: 'Generated from the stream declarations: params from the DTOs, frames as JSON Schema. Browse it in the stream explorer at /explorer.',
  })
  @ApiOkResponse({ description: 'An AsyncAPI 3.0.0 document', schema: { type: 'object', required: ['asyncapi', 'info', 'channels', 'operations'] } })
  document(@Req() request: Request): Record<string, unknown> {
    return asyncApiDocument(this.catalog.list(), { host: serverHost(request), protocol: request.secure ? 'wss' : 'ws', version: CONTRACT_VERSION });
  }
}
