import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { ANY_ROLE, PARTNER_ROLE, Roles, type Principal } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';
import { stixExportQuerySchema, type StixExportQuery } from './stix-export.query';
import { STIX_BUNDLE_MEDIA_TYPE, StixExportService } from './stix-export.service';

@ApiTags('stix')
@ApiBearerAuth()
@Controller('stix')
export class StixExportController {
  constructor(private readonly stixExport: StixExportService) {}

  @Get('bundle')
  @Roles(...ANY_ROLE, PARTNER_ROLE)
  @ApiProduces(STIX_BUNDLE_MEDIA_TYPE)
  @ApiOperation({ summary: 'Stream a STIX 2.1 bundle of a collection (local, all, or a partner audience), optionally only what was added after `since`' })
  bundle(@Query(new ZodPipe(stixExportQuerySchema)) q: StixExportQuery, @CurrentPrincipal() principal: Principal, @Res() res: Response) {
    return this.stixExport.stream(principal, q, res);
  }
}
