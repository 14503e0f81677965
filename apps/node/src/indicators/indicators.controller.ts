import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { INDICATOR_READERS, Roles } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';
import { idParamSchema, revokeBodySchema, searchQuerySchema, type SearchQuery } from './indicators.query';
import { IndicatorsService } from './indicators.service';

@ApiTags('indicators')
@ApiBearerAuth()
@Controller('indicators')
export class IndicatorsController {
  constructor(private readonly indicators: IndicatorsService) {}

  @Post()
  @Roles('analyst')
  @ApiOperation({ summary: 'Publish up to 10,000 indicators, all or nothing (400 lists every problem per item)' })
  @ApiBody({ schema: { $ref: '#/components/schemas/IndicatorBatch' } })
  publish(@Body() body: unknown) {
    return this.indicators.publish(body);
  }

  @Get()
  @Roles(...INDICATOR_READERS)
  @ApiOperation({
    summary: 'Search own and imported indicators (value is normalized before matching; cursor paging)',
    description:
      'Active indicators by default: revoked ones and those past their validUntil are left out. `include` (comma-separated) adds `revoked`, `expired`, or `history` (both, and per item `history`: every version received with the import decision and the sending node, the origin\'s revocation and whoever relayed it, refused revocations).',
  })
  @ApiQuery({ name: 'include', required: false, description: 'revoked, expired, history (comma-separated)' })
  search(@Query(new ZodPipe(searchQuerySchema)) query: SearchQuery) {
    return this.indicators.search(query);
  }

  @Get(':id')
  @Roles(...INDICATOR_READERS)
  @ApiOperation({ summary: 'One indicator with its provenance: origin, bundle hash, import decision and reasons' })
  get(@Param('id', new ZodPipe(idParamSchema)) id: string) {
    return this.indicators.get(id);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @Roles('analyst')
  @ApiOperation({ summary: 'Revoke an own indicator for good; partners receive the revocation' })
  revoke(@Param('id', new ZodPipe(idParamSchema)) id: string, @Body(new ZodPipe(revokeBodySchema)) body: { reason: string }) {
    return this.indicators.revoke(id, body.reason);
  }
}
