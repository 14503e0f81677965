import { applyDecorators, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { ActorRef } from '@palermo/policy';
import { z } from 'zod';
import { Actor } from '../auth/principal.decorator';
import { INDICATOR_READERS, Roles } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';
import { alertIdParamSchema, alertQuerySchema, type AlertQuery } from './alerts.query';
import { AlertsService } from './alerts.service';

const idPipe = new ZodPipe(alertIdParamSchema);

// The query parameters in the OpenAPI document come from the zod schema that validates them.
const QUERY_JSON = z.toJSONSchema(alertQuerySchema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, { description?: string }> };
const ApiAlertQuery = () =>
  applyDecorators(...Object.entries(QUERY_JSON.properties).map(([name, schema]) => ApiQuery({ name, required: false, schema: schema as never, description: schema.description })));

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @Roles(...INDICATOR_READERS)
  @ApiAlertQuery()
  @ApiOperation({ summary: 'Correlation alerts, newest first (filters: type, kind, node, since, minSources, state; cursor paging)' })
  list(@Query(new ZodPipe(alertQuerySchema)) query: AlertQuery) {
    return this.alerts.list(query);
  }

  @Get(':id')
  @Roles(...INDICATOR_READERS)
  @ApiOperation({ summary: 'One correlation alert with its sources (origins, senders, ids, versions, TLP, first/last seen)' })
  get(@Param('id', idPipe) id: string) {
    return this.alerts.get(id);
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @Roles('analyst')
  @ApiOperation({ summary: 'Mark an alert acknowledged (it stays listed and keeps growing); audited' })
  acknowledge(@Param('id', idPipe) id: string, @Actor() by: ActorRef) {
    return this.alerts.acknowledge(id, by);
  }
}
