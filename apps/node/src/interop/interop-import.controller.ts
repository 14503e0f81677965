import { Body, Controller, Headers, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { ActorRef } from '@palermo/policy';
import { Actor } from '../auth/principal.decorator';
import { Roles } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';
import { MispImportService } from './misp-import.service';
import { mispImportQuerySchema, stixImportQuerySchema, type MispImportQuery, type StixImportQuery } from './stix-import.query';
import { StixImportService, type StixImportHeaders } from './stix-import.service';

/** Path of the streamed route: main.ts keeps the JSON body parser away from it. */
export const STIX_IMPORT_PATH = '/api/v1/stix/import';

@ApiTags('interop')
@ApiBearerAuth()
@Controller()
export class InteropImportController {
  constructor(
    private readonly stix: StixImportService,
    private readonly misp: MispImportService,
  ) {}

  @Post('stix/import')
  @Roles('analyst', 'admin')
  @ApiConsumes('application/stix+json', 'application/json')
  @ApiBody({ schema: { type: 'object', description: 'A STIX 2.1 bundle, streamed (size limit PALERMO_STIX_IMPORT_MAX_BYTES)' } })
  @ApiOperation({ summary: 'Import a STIX 2.1 bundle as own indicators, all or nothing per file; idempotent by STIX id + modified' })
  importStix(@Req() req: Request, @Headers() headers: StixImportHeaders, @Query(new ZodPipe(stixImportQuerySchema)) query: StixImportQuery, @Actor() by: ActorRef) {
    return this.stix.import(req, headers, query, by);
  }

  @Post('misp/import')
  @Roles('analyst', 'admin')
  @ApiBody({ schema: { type: 'object', description: 'A MISP event: {"Event": {…}} or the bare event (up to 16 MB)' } })
  @ApiOperation({ summary: 'Import the mappable attributes of a MISP event as own indicators; reports what was skipped and why' })
  importMisp(@Body() body: unknown, @Query(new ZodPipe(mispImportQuerySchema)) query: MispImportQuery, @Actor() by: ActorRef) {
    return this.misp.import(body, query, by);
  }
}
