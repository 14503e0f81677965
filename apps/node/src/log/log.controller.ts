import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ANY_ROLE, Roles } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';
import { logCheckpointQuerySchema, logProofQuerySchema, type LogCheckpointQuery, type LogProofQuery } from './log.query';
import { LogService } from './log.service';

@ApiTags('log')
@ApiBearerAuth()
@Controller('log')
export class LogController {
  constructor(private readonly log: LogService) {}

  @Get('checkpoints')
  @Roles(...ANY_ROLE)
  @ApiOperation({ summary: "This node's signed feed-log checkpoints, newest first (cursor paging), each with the witnesses' countersignatures" })
  checkpoints(@Query(new ZodPipe(logCheckpointQuerySchema)) query: LogCheckpointQuery) {
    return this.log.checkpoints(query);
  }

  @Post('checkpoints')
  @HttpCode(200)
  @Roles('auditor', 'admin')
  @ApiOperation({ summary: 'Sign and publish a checkpoint of the feed log now (returns the newest when it already covers the log)' })
  checkpoint() {
    return this.log.checkpointNow();
  }

  @Get('proof')
  @Roles(...ANY_ROLE)
  @ApiOperation({ summary: 'Inclusion proof of one of this node’s bundles (hash, treeSize) or consistency proof (fromSize, toSize) of its feed log' })
  proof(@Query(new ZodPipe(logProofQuerySchema)) query: LogProofQuery) {
    return this.log.proof(query);
  }
}
