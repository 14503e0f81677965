import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ANY_ROLE, Roles } from '../auth/roles';
import { KeysService } from '../keys/keys.service';
import { NODE_CONFIG, NODE_KEYS, type NodeConfig, type NodeKeys } from './node-context';

@ApiTags('node')
@ApiBearerAuth()
@Controller('node')
export class NodeController {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NODE_KEYS) private readonly keys: NodeKeys,
    private readonly keyService: KeysService,
  ) {}

  @Get()
  @Roles(...ANY_ROLE)
  @ApiOperation({ summary: "This node's id, jurisdiction, key fingerprint and armored public key, and its earlier keys with the rotations that chain them" })
  async get() {
    return {
      nodeId: this.config.nodeId,
      jurisdiction: this.config.jurisdiction,
      fingerprint: this.keys.fingerprint,
      publicKey: this.keys.armoredPublicKey,
      protocol: 'palermo/bundle@1',
      keyHistory: await this.keyService.publicHistory(),
    };
  }
}
