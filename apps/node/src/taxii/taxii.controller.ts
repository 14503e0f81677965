import { All, Controller, createParamDecorator, type ExecutionContext, Get, Param, Query, UseFilters, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { ANY_ROLE, PARTNER_ROLE, Roles, type Principal } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';
import { TaxiiErrorFilter } from './taxii.errors';
import { TaxiiInterceptor } from './taxii.interceptor';
import { collectionParamSchema, objectIdParamSchema, taxiiQuerySchema, type TaxiiQuery } from './taxii.query';
import { TaxiiService } from './taxii.service';

/**
 * Scheme, host and port the client used (discovery names the API root by its full URL); the service
 * prefers PALERMO_PUBLIC_URL when set, so a forged Host never reaches a cached discovery answer.
 */
const RequestBase = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const req = context.switchToHttp().getRequest<Request>();
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
});

const collection = new ZodPipe(collectionParamSchema);
const objectId = new ZodPipe(objectIdParamSchema);
const query = new ZodPipe(taxiiQuerySchema);

/** TAXII 2.1, read-only, outside /api/v1 (clients expect /taxii2/); same bearer tokens. */
@ApiTags('taxii')
@ApiBearerAuth()
@Controller('taxii2')
@Roles(...ANY_ROLE, PARTNER_ROLE)
@UseFilters(TaxiiErrorFilter)
@UseInterceptors(TaxiiInterceptor)
export class TaxiiController {
  constructor(private readonly taxii: TaxiiService) {}

  @Get()
  @ApiOperation({ summary: 'TAXII 2.1 server discovery' })
  discovery(@RequestBase() base: string) {
    return this.taxii.discovery(base);
  }

  @Get(':root')
  @ApiOperation({ summary: 'TAXII 2.1 API root information' })
  apiRoot(@Param('root') root: string) {
    return this.taxii.apiRoot(root);
  }

  @Get(':root/collections')
  @ApiOperation({ summary: 'The collections this token may read: local, all, and partner audiences' })
  collections(@Param('root') root: string, @CurrentPrincipal() principal: Principal) {
    return this.taxii.collections(root, principal);
  }

  @Get(':root/collections/:id')
  @ApiOperation({ summary: 'One TAXII collection (by id or alias)' })
  collection(@Param('root') root: string, @Param('id', collection) id: string, @CurrentPrincipal() principal: Principal) {
    return this.taxii.collection(root, principal, id);
  }

  @Get(':root/collections/:id/objects')
  @ApiOperation({ summary: 'STIX objects of a collection: added_after, limit, next, match[id|type|version|spec_version]' })
  objects(@Param('root') root: string, @Param('id', collection) id: string, @Query(query) q: TaxiiQuery, @CurrentPrincipal() principal: Principal) {
    return this.taxii.objects(root, principal, id, q);
  }

  @Get(':root/collections/:id/manifest')
  @ApiOperation({ summary: 'The manifest of a collection (ids, versions, date_added)' })
  manifest(@Param('root') root: string, @Param('id', collection) id: string, @Query(query) q: TaxiiQuery, @CurrentPrincipal() principal: Principal) {
    return this.taxii.manifest(root, principal, id, q);
  }

  @Get(':root/collections/:id/objects/:objectId')
  @ApiOperation({ summary: 'One object of a collection (last version unless match[version] says otherwise)' })
  object(@Param('root') root: string, @Param('id', collection) id: string, @Param('objectId', objectId) oid: string, @Query(query) q: TaxiiQuery, @CurrentPrincipal() principal: Principal) {
    return this.taxii.object(root, principal, id, oid, q);
  }

  @Get(':root/collections/:id/objects/:objectId/versions')
  @ApiOperation({ summary: 'The versions (modified) of one object of a collection' })
  versions(@Param('root') root: string, @Param('id', collection) id: string, @Param('objectId', objectId) oid: string, @Query(query) q: TaxiiQuery, @CurrentPrincipal() principal: Principal) {
    return this.taxii.versions(root, principal, id, oid, q);
  }

  // Registered last: anything else under /taxii2/ (status/, POST-only paths …) is a TAXII 404, not the API's JSON.
  @All('{*rest}')
  @ApiOperation({ summary: 'Anything else under /taxii2/ answers a TAXII 404 error message' })
  notFound() {
    return this.taxii.notFound();
  }
}
