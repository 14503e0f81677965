import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { isNodeId, JURISDICTION_PATTERN, NODE_ID_RULE } from '@palermo/indicators';
import type { ActorRef } from '@palermo/store';
import { Actor } from '../auth/principal.decorator';
import { ANY_ROLE, Roles } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';
import type { PinPartner } from './partner.pinning';
import { PartnersService } from './partners.service';

const cardPinSchema = z
  .object({
    /** The partner's signed card as `palermo partners card` prints it ({ card, signature }). */
    card: z.record(z.string(), z.unknown()),
    /** The fingerprint confirmed with the partner out of band. */
    fingerprint: z.string().min(16).max(128),
  })
  .strict();

const nodeIdParam = z.string().refine(isNodeId, NODE_ID_RULE);

const pinSchema = z
  .object({
    nodeId: z.string().refine(isNodeId, NODE_ID_RULE),
    jurisdiction: z.string().regex(JURISDICTION_PATTERN),
    publicKey: z.string().min(1).max(64 * 1024),
    fingerprint: z.string().min(16).max(128),
  })
  .strict();

@ApiTags('partners')
@ApiBearerAuth()
@Controller('partners')
export class PartnersController {
  constructor(private readonly partners: PartnersService) {}

  @Get()
  @Roles(...ANY_ROLE)
  @ApiOperation({ summary: 'Partners with their pinned key fingerprints' })
  list() {
    return this.partners.list();
  }

  @Get(':id/status')
  @Roles(...ANY_ROLE)
  @ApiOperation({ summary: "Per chain sent to this partner: sent, delivered and acked (its durable on this node's stream; null when unknown), receipted, imported (with counts), quarantined (with reasons), outstanding" })
  status(@Param('id', new ZodPipe(nodeIdParam)) id: string) {
    return this.partners.status(id);
  }

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: "Pin a partner's key (fingerprint confirmed out of band) and follow its feed" })
  pin(@Body(new ZodPipe(pinSchema)) body: PinPartner, @Actor() actor: ActorRef) {
    return this.partners.pin(body, actor);
  }

  @Post('cards')
  @Roles('admin')
  @ApiOperation({ summary: "Pin a partner from its signed partner card; the fingerprint confirmed out of band must be the card's" })
  pinFromCard(@Body(new ZodPipe(cardPinSchema)) body: { card: Record<string, unknown>; fingerprint: string }, @Actor() actor: ActorRef) {
    return this.partners.pinFromCard(body, actor);
  }
}
