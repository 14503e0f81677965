import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Roles } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';
import { RetentionService } from './retention.service';

const listSchema = z
  .object({ cursor: z.string().max(200).optional(), limit: z.coerce.number().int().min(1).max(500).optional() })
  .strict();

@ApiTags('retention')
@ApiBearerAuth()
@Controller('retention')
export class RetentionController {
  constructor(private readonly retention: RetentionService) {}

  @Get('purges')
  @Roles('policy-officer', 'auditor', 'admin')
  @ApiOperation({ summary: 'The recorded retention purges (counts per publisher, cutoff), newest first' })
  purges(@Query(new ZodPipe(listSchema)) query: z.infer<typeof listSchema>) {
    return this.retention.purges(query.cursor, query.limit);
  }

  @Post('purge')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Run the retention purge now instead of waiting for the schedule' })
  purge() {
    return this.retention.purgeNow();
  }
}
