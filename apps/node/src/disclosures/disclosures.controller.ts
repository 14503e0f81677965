import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ActorRef } from '@palermo/store';
import { Actor } from '../auth/principal.decorator';
import { Roles } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';
import {
  disclosureDecisionJsonSchema,
  disclosureDecisionSchema,
  disclosureIdSchema,
  disclosureListSchema,
  disclosureRequestJsonSchema,
  disclosureRequestSchema,
  type DisclosureDecisionBody,
  type DisclosureListQuery,
  type DisclosureRequestBody,
} from './disclosures.query';
import { DisclosuresService } from './disclosures.service';

const idPipe = new ZodPipe(disclosureIdSchema);

@ApiTags('disclosures')
@ApiBearerAuth()
@Controller('disclosures')
export class DisclosuresController {
  constructor(private readonly disclosures: DisclosuresService) {}

  @Post()
  @Roles('analyst', 'admin')
  @ApiOperation({ summary: 'After a lookup hit: ask the partner that answered it to disclose the matched indicator (purpose, legal basis, case)' })
  @ApiBody({ schema: disclosureRequestJsonSchema as never })
  request(@Body(new ZodPipe(disclosureRequestSchema)) body: DisclosureRequestBody, @Actor() by: ActorRef) {
    return this.disclosures.request(body, by);
  }

  @Get()
  @Roles('analyst', 'policy-officer', 'auditor', 'admin')
  @ApiOperation({ summary: 'Disclosure requests, oldest first; direction=in&state=requested is the policy officers’ queue' })
  list(@Query(new ZodPipe(disclosureListSchema)) query: DisclosureListQuery) {
    return this.disclosures.list(query);
  }

  @Get(':id')
  @Roles('analyst', 'policy-officer', 'auditor', 'admin')
  @ApiOperation({ summary: 'One disclosure request: its decision, and (this node asked) the released indicator and whether it was imported' })
  get(@Param('id', idPipe) id: string) {
    return this.disclosures.get(id);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @Roles('policy-officer')
  @ApiOperation({ summary: 'Approve a partner’s request: release exactly the matched own indicator in one bundle on its chain' })
  @ApiBody({ schema: disclosureDecisionJsonSchema as never })
  approve(@Param('id', idPipe) id: string, @Body(new ZodPipe(disclosureDecisionSchema)) body: DisclosureDecisionBody, @Actor() by: ActorRef) {
    return this.disclosures.approve(id, body.reason, by);
  }

  @Post(':id/withdraw')
  @HttpCode(200)
  @Roles('analyst', 'admin')
  @ApiOperation({ summary: 'Withdraw a request this node asked that still waits (requested → withdrawn): the hit may be asked about again; the partner is not told' })
  @ApiBody({ schema: disclosureDecisionJsonSchema as never })
  withdraw(@Param('id', idPipe) id: string, @Body(new ZodPipe(disclosureDecisionSchema)) body: DisclosureDecisionBody, @Actor() by: ActorRef) {
    return this.disclosures.withdraw(id, body.reason, by);
  }

  @Post(':id/deny')
  @HttpCode(200)
  @Roles('policy-officer')
  @ApiOperation({ summary: 'Deny a partner’s request: only the decision (with the reason) goes back, nothing is released' })
  @ApiBody({ schema: disclosureDecisionJsonSchema as never })
  deny(@Param('id', idPipe) id: string, @Body(new ZodPipe(disclosureDecisionSchema)) body: DisclosureDecisionBody, @Actor() by: ActorRef) {
    return this.disclosures.deny(id, body.reason, by);
  }
}
