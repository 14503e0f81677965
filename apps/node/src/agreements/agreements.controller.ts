import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { agreementInputSchema, type ActorRef, type AgreementInput } from '@palermo/policy';
import { Actor } from '../auth/principal.decorator';
import { Roles } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';
import { agreementIdSchema, listAgreementsSchema, transitionBodySchema, type ListAgreementsQuery, type TransitionBody } from './agreements.query';
import { AgreementsService } from './agreements.service';

const READERS = ['policy-officer', 'auditor', 'admin'] as const;
const idPipe = new ZodPipe(agreementIdSchema);
const transitionPipe = new ZodPipe(transitionBodySchema);

@ApiTags('agreements')
@ApiBearerAuth()
@Controller('agreements')
export class AgreementsController {
  constructor(private readonly agreements: AgreementsService) {}

  @Post()
  @Roles('policy-officer')
  @ApiOperation({ summary: 'Draft a sharing agreement with a pinned partner (active only after another officer approves it)' })
  @ApiBody({ schema: { $ref: '#/components/schemas/AgreementInput' } })
  create(@Body(new ZodPipe(agreementInputSchema)) body: AgreementInput, @Actor() by: ActorRef) {
    return this.agreements.create(body, by);
  }

  @Get()
  @Roles(...READERS)
  @ApiOperation({ summary: 'Agreements, filtered by partner or state' })
  list(@Query(new ZodPipe(listAgreementsSchema)) query: ListAgreementsQuery) {
    return this.agreements.list(query);
  }

  @Get(':id')
  @Roles(...READERS)
  @ApiOperation({ summary: 'One agreement with its effective state and audited history' })
  get(@Param('id', idPipe) id: string) {
    return this.agreements.get(id);
  }

  @Post(':id/approve')
  @ApiBody({ schema: { $ref: '#/components/schemas/AgreementTransition' } })
  @HttpCode(200)
  @Roles('policy-officer')
  @ApiOperation({ summary: 'Approve a draft (four-eyes: not by the officer who drafted it); supersedes the partner’s previous agreement' })
  approve(@Param('id', idPipe) id: string, @Body(transitionPipe) body: TransitionBody, @Actor() by: ActorRef) {
    return this.agreements.transition(id, 'approve', by, body.reason ?? null);
  }

  @Post(':id/suspend')
  @ApiBody({ schema: { $ref: '#/components/schemas/AgreementTransition' } })
  @HttpCode(200)
  @Roles('policy-officer')
  @ApiOperation({ summary: 'Suspend at once: no further export, the partner’s bundles are rejected' })
  suspend(@Param('id', idPipe) id: string, @Body(transitionPipe) body: TransitionBody, @Actor() by: ActorRef) {
    return this.agreements.transition(id, 'suspend', by, body.reason ?? null);
  }

  @Post(':id/resume')
  @ApiBody({ schema: { $ref: '#/components/schemas/AgreementTransition' } })
  @HttpCode(200)
  @Roles('policy-officer')
  @ApiOperation({ summary: 'Resume a suspended agreement (four-eyes: not by the officer who suspended it)' })
  resume(@Param('id', idPipe) id: string, @Body(transitionPipe) body: TransitionBody, @Actor() by: ActorRef) {
    return this.agreements.transition(id, 'resume', by, body.reason ?? null);
  }

  @Post(':id/terminate')
  @ApiBody({ schema: { $ref: '#/components/schemas/AgreementTransition' } })
  @HttpCode(200)
  @Roles('policy-officer')
  @ApiOperation({ summary: 'Terminate for good (draft, active or suspended)' })
  terminate(@Param('id', idPipe) id: string, @Body(transitionPipe) body: TransitionBody, @Actor() by: ActorRef) {
    return this.agreements.transition(id, 'terminate', by, body.reason ?? null);
  }
}
