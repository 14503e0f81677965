import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { INDICATOR_READERS, Roles } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';
import { alertIdParamSchema, alertQuerySchema, type AlertQuery } from './alerts.query';
import { AlertsService } from './alerts.service';

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @Roles(...INDICATOR_READERS)
  @ApiOperation({ summary: 'Correlation alerts, newest first (filters: type, kind, node, since, minSources, state; cursor paging)' })
  list(@Query(new ZodPipe(alertQuerySchema)) query: AlertQuery) {
    return this.alerts.list(query);
  }

  @Get(':id')
  @Roles(...INDICATOR_READERS)
  @ApiOperation({ summary: 'One correlation alert with its sources (origins, senders, ids, versions, TLP, first/last seen)' })
  get(@Param('id', new ZodPipe(alertIdParamSchema)) id: string) {
    return this.alerts.get(id);
  }
}
