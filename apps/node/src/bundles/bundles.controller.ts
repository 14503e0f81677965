import { Controller, Get, Header, Param, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ANY_ROLE, Roles } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';
import { hashParamSchema, listBundlesSchema, type ListBundlesQuery } from './bundles.query';
import { BundlesService } from './bundles.service';

@ApiTags('bundles')
@ApiBearerAuth()
@Roles(...ANY_ROLE)
@Controller('bundles')
export class BundlesController {
  constructor(private readonly bundles: BundlesService) {}

  @Get()
  @ApiOperation({ summary: 'Bundles sent (out) and received (in), filtered by partner; cursor paging' })
  list(@Query(new ZodPipe(listBundlesSchema)) query: ListBundlesQuery) {
    return this.bundles.list(query);
  }

  @Get(':hash')
  @ApiOperation({ summary: 'One bundle: chain position, signer, counts and the decisions; sent bundles add receipts and delivered/acked per recipient (null when unknown)' })
  get(@Param('hash', new ZodPipe(hashParamSchema)) hash: string) {
    return this.bundles.get(hash);
  }

  @Get(':hash/decisions')
  @ApiOperation({ summary: 'The decision per entry with the ids of the rules that decided (export for sent bundles, import for received)' })
  decisions(@Param('hash', new ZodPipe(hashParamSchema)) hash: string) {
    return this.bundles.decisions(hash);
  }

  @Get(':hash/raw')
  @Header('Content-Type', 'application/json; charset=utf-8')
  @ApiOperation({ summary: 'The canonical bytes (RFC 8785) exactly as hashed and signed' })
  async raw(@Param('hash', new ZodPipe(hashParamSchema)) hash: string) {
    return new StreamableFile(await this.bundles.raw(hash));
  }

  @Get(':hash/signature')
  @Header('Content-Type', 'application/pgp-signature')
  @ApiOperation({ summary: 'The detached OpenPGP signature, ASCII-armored (gpg --verify sig raw)' })
  signature(@Param('hash', new ZodPipe(hashParamSchema)) hash: string) {
    return this.bundles.signature(hash);
  }
}
