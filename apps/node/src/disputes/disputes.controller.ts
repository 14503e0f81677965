import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ActorRef } from '@palermo/policy';
import { Actor } from '../auth/principal.decorator';
import { Roles } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';
import {
  disputeBodyJsonSchema,
  disputeBodySchema,
  disputeListSchema,
  resolveBodyJsonSchema,
  resolveBodySchema,
  uuidParamSchema,
  type DisputeBody,
  type DisputeListQuery,
  type ResolveBody,
} from './disputes.query';
import { DisputesService } from './disputes.service';

const idPipe = new ZodPipe(uuidParamSchema);

@ApiTags('disputes')
@ApiBearerAuth()
@Controller()
export class DisputesController {
  constructor(private readonly disputes: DisputesService) {}

  @Post('indicators/:id/disputes')
  @Roles('analyst', 'admin')
  @ApiOperation({ summary: "Dispute a partner's indicator (false positive, wrong tags, other); sent to its origin, open until it resolves" })
  @ApiBody({ schema: disputeBodyJsonSchema as never })
  open(@Param('id', idPipe) id: string, @Body(new ZodPipe(disputeBodySchema)) body: DisputeBody, @Actor() by: ActorRef) {
    return this.disputes.open(id, body, by);
  }

  @Get('disputes')
  @Roles('analyst', 'policy-officer', 'auditor', 'admin')
  @ApiOperation({ summary: 'Disputes opened here (out) and received about own indicators (in), newest first (cursor paging)' })
  list(@Query(new ZodPipe(disputeListSchema)) query: DisputeListQuery) {
    return this.disputes.list(query);
  }

  @Get('disputes/:id')
  @Roles('analyst', 'policy-officer', 'auditor', 'admin')
  @ApiOperation({ summary: 'One dispute with its state, resolution and delivery' })
  get(@Param('id', idPipe) id: string) {
    return this.disputes.get(id);
  }

  @Post('disputes/:id/resolve')
  @HttpCode(200)
  @Roles('analyst', 'policy-officer', 'admin')
  @ApiOperation({ summary: "Accept or reject a partner's open dispute of an own indicator; the answer is sent to the disputer (the indicator itself is not changed)" })
  @ApiBody({ schema: resolveBodyJsonSchema as never })
  resolve(@Param('id', idPipe) id: string, @Body(new ZodPipe(resolveBodySchema)) body: ResolveBody, @Actor() by: ActorRef) {
    return this.disputes.resolve(id, body, by);
  }
}
