import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Store } from '@palermo/store';
import { Roles } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';

const listQuarantineSchema = z
  .object({
    cursor: z.string().max(512).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

@ApiTags('quarantine')
@ApiBearerAuth()
@Controller('quarantine')
export class QuarantineController {
  constructor(private readonly store: Store) {}

  @Get()
  @Roles('auditor', 'admin')
  @ApiOperation({ summary: 'Messages refused before import, newest first, each with its reason code' })
  list(@Query(new ZodPipe(listQuarantineSchema)) query: z.infer<typeof listQuarantineSchema>) {
    return this.store.quarantine.list(query);
  }
}
