import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ActorRef } from '@palermo/policy';
import { Actor } from '../auth/principal.decorator';
import { Roles } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';
import {
  indicatorIdParamSchema,
  sightingBodyJsonSchema,
  sightingBodySchema,
  sightingListSchema,
  type SightingBody,
  type SightingListQuery,
} from './sightings.query';
import { SightingsService } from './sightings.service';

const idPipe = new ZodPipe(indicatorIdParamSchema);

@ApiTags('sightings')
@ApiBearerAuth()
@Controller('indicators/:id/sightings')
export class SightingsController {
  constructor(private readonly sightings: SightingsService) {}

  @Post()
  @Roles('analyst', 'admin')
  @ApiOperation({ summary: 'Record that this node saw an own or imported indicator (count, when); revoked ones are refused' })
  @ApiBody({ schema: sightingBodyJsonSchema as never })
  record(@Param('id', idPipe) id: string, @Body(new ZodPipe(sightingBodySchema)) body: SightingBody, @Actor() by: ActorRef) {
    return this.sightings.record(id, body, by);
  }

  @Get()
  @Roles('analyst', 'policy-officer', 'auditor', 'admin')
  @ApiOperation({ summary: "An indicator's sightings on this node, newest first (cursor paging)" })
  list(@Param('id', idPipe) id: string, @Query(new ZodPipe(sightingListSchema)) query: SightingListQuery) {
    return this.sightings.list(id, query);
  }
}
