import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { COMMUNITY_AUDIENCE, isNodeId, NODE_ID_RULE } from '@palermo/indicators';
import type { ActorRef } from '@palermo/store';
import { Actor } from '../auth/principal.decorator';
import { Roles } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';
import { ResyncService } from './resync.service';

const nodeIdParam = z.string().refine(isNodeId, NODE_ID_RULE);

const resyncSchema = z
  .object({
    /** One chain to rebuild (this node's id or `all`); default both. */
    audience: z.string().refine((a) => a === COMMUNITY_AUDIENCE || isNodeId(a), 'a node id or "all"').optional(),
    /** Ask from seq 1 instead of after the local head (re-verifies every bundle; imports only what is missing). */
    fromScratch: z.boolean().optional(),
  })
  .strict();

@ApiTags('partners')
@ApiBearerAuth()
@Controller('partners')
export class ResyncController {
  constructor(private readonly resync: ResyncService) {}

  @Post(':id/resync')
  @HttpCode(200)
  @Roles('policy-officer', 'admin')
  @ApiOperation({ summary: "Re-request a partner's chains addressed to this node, re-verify every bundle, import what is missing; reports counts" })
  rebuild(@Param('id', new ZodPipe(nodeIdParam)) id: string, @Body(new ZodPipe(resyncSchema.optional())) body: { audience?: string; fromScratch?: boolean } | undefined, @Actor() actor: ActorRef) {
    return this.resync.rebuild(id, body ?? {}, actor);
  }
}
