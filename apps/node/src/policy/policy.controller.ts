import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ActorRef } from '@palermo/policy';
import { Actor } from '../auth/principal.decorator';
import { Roles } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';
import { policyVersionSchema, putPolicySchema, simulateSchema, validatePolicySchema, type PutPolicyBody, type SimulateBody } from './policy.query';
import { PolicyService } from './policy.service';
import { PolicySimulator } from './policy.simulator';

const READERS = ['policy-officer', 'auditor', 'admin'] as const;

@ApiTags('policy')
@ApiBearerAuth()
@Controller('policy')
export class PolicyController {
  constructor(
    private readonly policy: PolicyService,
    private readonly simulator: PolicySimulator,
  ) {}

  @Get()
  @Roles(...READERS)
  @ApiOperation({ summary: 'The active jurisdiction policy (Cedar text), its version and author' })
  active() {
    return this.policy.active();
  }

  @Put()
  @ApiBody({ schema: { $ref: '#/components/schemas/PolicyPut' } })
  @Roles('policy-officer')
  @ApiOperation({ summary: 'Store and activate a new policy version; 422 POLICY_INVALID with line:column for every problem (the active one stays)' })
  replace(@Body(new ZodPipe(putPolicySchema)) body: PutPolicyBody, @Actor() by: ActorRef) {
    return this.policy.replace(body, by);
  }

  @Get('versions')
  @Roles(...READERS)
  @ApiOperation({ summary: 'Every stored policy version, newest first' })
  versions() {
    return this.policy.versions();
  }

  @Get('versions/:version')
  @Roles(...READERS)
  @ApiOperation({ summary: 'One stored policy version with its text' })
  version(@Param('version', new ZodPipe(policyVersionSchema)) version: number) {
    return this.policy.version(version);
  }

  @Post('validate')
  @ApiBody({ schema: { $ref: '#/components/schemas/PolicyValidate' } })
  @HttpCode(200)
  @Roles('policy-officer', 'auditor', 'admin')
  @ApiOperation({ summary: 'Check a policy text against the schema without storing it' })
  validate(@Body(new ZodPipe(validatePolicySchema)) body: { text: string }) {
    return this.policy.validate(body.text);
  }

  @Post('simulate')
  @ApiBody({ schema: { $ref: '#/components/schemas/PolicySimulate' } })
  @HttpCode(200)
  @Roles('policy-officer', 'auditor')
  @ApiOperation({ summary: 'Run the live policy (and a candidate) on a bundle or the last N received; shows what would change, stores nothing' })
  simulate(@Body(new ZodPipe(simulateSchema)) body: SimulateBody) {
    return this.simulator.simulate(body);
  }
}
