import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { INDICATOR_TYPES, isNodeId, NODE_ID_RULE } from '@palermo/indicators';
import { PURPOSES } from '@palermo/policy';
import type { ActorRef } from '@palermo/store';
import { Actor } from '../auth/principal.decorator';
import { Roles } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';
import { LookupsService, type LookupBody } from './lookups.service';

/** Most partners one lookup may name. */
const MAX_PARTNERS = 64;

const lookupSchema = z.strictObject({
  /** Indicator type of the value. */
  type: z.enum(INDICATOR_TYPES),
  /** The value, as an analyst types it: normalized here exactly as indicators are. */
  value: z.string().min(1).max(4096),
  /** Platform of a username. */
  platform: z.string().max(64).optional(),
  /** Chain of a crypto-wallet. */
  chain: z.string().max(32).optional(),
  /** Partners to ask; default every pinned partner whose agreement allows lookups of this type for this purpose. */
  partners: z.array(z.string().refine(isNodeId, NODE_ID_RULE)).min(1).max(MAX_PARTNERS).optional(),
  /** Why this node asks; the partner's agreement must name it. */
  purpose: z.enum(PURPOSES),
});

@ApiTags('lookups')
@ApiBearerAuth()
@Controller('lookups')
export class LookupsController {
  constructor(private readonly lookups: LookupsService) {}

  @Post()
  @HttpCode(200)
  @Roles('analyst')
  @ApiOperation({ summary: 'Ask partners "do you know this?" without showing the value (OPRF); per partner hit (with a reference), no-hit, refused or unreachable' })
  ask(@Body(new ZodPipe(lookupSchema)) body: LookupBody, @Actor() actor: ActorRef) {
    return this.lookups.lookup(body, actor);
  }

  @Post('key/rotate')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({ summary: 'Start a new OPRF key epoch; its PRF table is built in the background, the current epoch answers until it is complete' })
  rotate(@Actor() actor: ActorRef) {
    return this.lookups.rotate(actor);
  }
}
