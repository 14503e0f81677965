import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { REVOCATION_REASONS } from '@palermo/bundles';
import { isNodeId, NODE_ID_RULE } from '@palermo/indicators';
import type { ActorRef } from '@palermo/store';
import { Actor } from '../auth/principal.decorator';
import { Roles } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';
import { KeysService, type RevokeKeyInput } from './keys.service';

const revokeSchema = z
  .object({
    /** Fingerprint of the key to revoke (one of this node's earlier keys). */
    fingerprint: z.string().regex(/^[0-9a-f]{40,64}$/),
    /** key-compromise (someone else may hold it), superseded or retired. */
    reason: z.enum(REVOCATION_REASONS),
    /** From when its signatures are not trusted (ISO 8601 UTC); default now. */
    compromisedAt: z.iso.datetime({ offset: false }).optional(),
  })
  .strict();

@ApiTags('keys')
@ApiBearerAuth()
@Controller('keys')
export class KeysController {
  constructor(private readonly keys: KeysService) {}

  @Get()
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: "This node's keys (current and earlier, with retirement and revocation) and its key statements" })
  list() {
    return this.keys.history();
  }

  @Get('partners/:id')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: "A partner's key history (pinned, superseded, revoked) and the key statements received from it, accepted or refused with the reason" })
  partner(@Param('id', new ZodPipe(z.string().refine(isNodeId, NODE_ID_RULE))) id: string) {
    return this.keys.partnerHistory(id);
  }

  @Post('rotate')
  @Roles('admin')
  @ApiOperation({ summary: 'Rotate the signing key: new key, statement signed by the old and the new key, published to partners' })
  rotate(@Actor() actor: ActorRef) {
    return this.keys.rotate(actor);
  }

  @Post('revoke')
  @Roles('admin')
  @ApiOperation({ summary: 'Revoke an earlier key of this node; partners quarantine what it signs after compromisedAt' })
  revoke(@Body(new ZodPipe(revokeSchema)) body: RevokeKeyInput, @Actor() actor: ActorRef) {
    return this.keys.revoke(body, actor);
  }
}
