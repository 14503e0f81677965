import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError, type Tlp } from '@palermo/indicators';
import { readStixObjects, STIX_READ_DEFAULTS, stixObjectToIndicator, stricterTlp, tlpOfMarkingDefinition } from '@palermo/interop';
import type { ActorRef } from '@palermo/policy';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { ImportSessionService } from './import-session.service';
import type { ImportReport } from './import.report';
import type { ImportSpool } from './import.spool';
import { STIX_MEDIA_TYPES, type StixImportQuery } from './stix-import.query';
import { UploadBody } from './upload.body';

/** Headers POST /stix/import looks at. */
export interface StixImportHeaders {
  'content-type'?: string;
  'content-encoding'?: string;
}

/** Per-file memory of what its own objects declare (markings, Palermo identities), bounded. */
interface FileContext {
  markings: Map<string, Tlp>;
  identities: Map<string, string>;
}

/**
 * STIX 2.1 bundles become own indicators of this node: read as a stream and mapped object by object
 * into a spool with no lock held, then applied in one transaction (ImportSessionService).
 */
@Injectable()
export class StixImportService {
  constructor(
    private readonly sessions: ImportSessionService,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /** Imports one bundle from `body` (never held whole); any file-level error changes nothing. */
  async import(body: Readable, headers: StixImportHeaders, query: StixImportQuery, actor: ActorRef) {
    checkMediaType(headers);
    return this.sessions.run('stix', actor, query.dryRun, async (spool, report) => {
      const objects = await this.readInto(body, query, spool, report);
      return { answer: { objects }, audit: { objects } };
    });
  }

  /** Maps each object of the bundle as it arrives; returns how many objects the bundle held. */
  private async readInto(body: Readable, query: StixImportQuery, spool: ImportSpool, report: ImportReport): Promise<number> {
    const { stixMaxBytes, stixMaxObjectBytes, importIdleMs } = this.config.interop;
    const limits = { maxBytes: stixMaxBytes, maxDepth: STIX_READ_DEFAULTS.maxDepth, maxObjectBytes: stixMaxObjectBytes };
    const file: FileContext = { markings: new Map(), identities: new Map() };
    const upload = new UploadBody(body, importIdleMs);
    let index = 0;
    try {
      for await (const obj of readStixObjects(upload, limits)) {
        const place = { index: index++, id: null as string | null, type: null as string | null };
        remember(file, obj);
        const options = { defaultTlp: query.tlp, markings: file.markings, identities: file.identities, nodeId: this.config.nodeId, adopt: query.adopt };
        const mapped = stixObjectToIndicator(obj, options);
        if (mapped.kind === 'ignored') {
          report.ignore(mapped.stixType);
        } else if (mapped.kind === 'failed') {
          report.fail({ ...place, id: mapped.stixId, type: mapped.stixType }, mapped.code, mapped.reason);
        } else {
          const at = { ...place, id: mapped.stixId, type: 'indicator' };
          for (const warning of mapped.warnings) report.warn(at, warning);
          const origin = mapped.origin;
          await spool.add(at, {
            refId: mapped.stixId,
            modified: mapped.modified,
            revoked: mapped.revoked,
            input: mapped.input,
            ...(origin?.own && origin.id ? { ownId: origin.id } : {}),
            ...(origin && !origin.own ? { adoptedFrom: origin.node } : {}),
          });
        }
      }
    } catch (err) {
      // A refused file is drained (discarded), so the client reads the error answer instead of a
      // connection reset in the middle of its upload.
      upload.discard();
      throw err;
    }
    return index;
  }
}

/** Remembers what an object of the file declares for the objects after it. */
function remember(file: FileContext, obj: unknown): void {
  rememberMarking(file.markings, obj);
  const identity = obj as { type?: unknown; id?: unknown; x_palermo_node_id?: unknown };
  if (identity?.type === 'identity' && typeof identity.id === 'string' && typeof identity.x_palermo_node_id === 'string' && file.identities.size < 1000) {
    file.identities.set(identity.id, identity.x_palermo_node_id);
  }
}

/**
 * Keeps the TLP a marking-definition object of the file declares. One id defined twice keeps the
 * stricter level; the official TLP ids keep their meaning whatever a file says (the mapper reads them first).
 */
function rememberMarking(markings: Map<string, Tlp>, obj: unknown): void {
  const tlp = tlpOfMarkingDefinition(obj);
  if (tlp === undefined) return;
  const id = (obj as { id?: unknown }).id;
  if (typeof id !== 'string' || markings.size >= 1000) return;
  const known = markings.get(id);
  markings.set(id, known ? stricterTlp(known, tlp) : tlp);
}

function checkMediaType(headers: StixImportHeaders): void {
  const type = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!(STIX_MEDIA_TYPES as readonly string[]).includes(type)) {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', `send the bundle as ${STIX_MEDIA_TYPES.join(' or ')} (got ${JSON.stringify(type.slice(0, 80))})`);
  }
  const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity') throw new DomainError('UNSUPPORTED_MEDIA_TYPE', `content-encoding ${JSON.stringify(encoding.slice(0, 40))} is not supported; send the file uncompressed`);
}
