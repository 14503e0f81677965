import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';
import { auditQuerySchema, checkpointQuerySchema, type AuditQuery, type CheckpointQuery } from './audit.query';
import { AuditService } from './audit.service';

const READERS = ['auditor', 'admin'] as const;

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Roles(...READERS)
  @ApiOperation({ summary: 'The hash-chained audit log, oldest first by seq (cursor paging, exact-match filters), with the head' })
  entries(@Query(new ZodPipe(auditQuerySchema)) query: AuditQuery) {
    return this.audit.entries(query);
  }

  @Get('checkpoints')
  @Roles(...READERS)
  @ApiOperation({ summary: "Signed checkpoints {node, seq, hash, at} of the log, oldest first, each with the node key's detached signature" })
  checkpoints(@Query(new ZodPipe(checkpointQuerySchema)) query: CheckpointQuery) {
    return this.audit.checkpoints(query);
  }

  @Post('checkpoints')
  @HttpCode(200)
  @Roles(...READERS)
  @ApiOperation({ summary: 'Sign the head of the log now (returns the newest checkpoint when it already covers the head)' })
  checkpoint() {
    return this.audit.checkpointNow();
  }
}
