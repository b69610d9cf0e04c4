import { Module } from '@nestjs/common';
import { AsyncApiController } from './asyncapi.controller';

/** The machine-readable contract of the streams: `GET /asyncapi.json` (the OpenAPI document is built in bootstrap.ts). */
@Module({ controllers: [AsyncApiController] })
export class ContractModule {}
