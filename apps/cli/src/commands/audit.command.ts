import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { dearmorSignature, fingerprintOf, readPublicKey, verifyDetached, type NodePublicKey } from '@palermo/bundles';
import {
  AUDIT_CHECKPOINT_SPEC,
  AuditChainChecker,
  auditCheckpointBytes,
  type AuditCheckpointRecord,
  type AuditEventRecord,
} from '@palermo/store';
import { ApiClient, type ApiOptions } from '../api.client';
import { UsageError } from '../node-env';
import { SUPERSEDED_GRACE_MS } from '../../../node/src/keys/signer.validity';
import { checkpointKeys, type CheckpointKey, type NodeKeyHistory } from './audit.keys';
import { EXIT } from './bundle.command';

interface VerifyOptions extends ApiOptions {
  key?: string;
}

interface EntryPage {
  items: AuditEventRecord[];
  nextCursor: string | null;
  head: { seq: number; hash: string | null };
}

/** What `audit verify` concluded: one line, and whether the log holds. */
export interface AuditVerdict {
  ok: boolean;
  line: string;
}

/** `palermo audit verify`: checks a running node's audit log and its signed checkpoints, through the API. */
export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit log of a running node');
  audit
    .command('verify')
    .description('verify the hash chain of every entry and the signature of every checkpoint; names the first bad entry (exit 0 intact, 1 tampered, 2 usage)')
    .option('--key <file>', "the node's armored public key as you pinned it (default: the key GET /node reports)")
    .option('--api <url>', 'node API URL (default PALERMO_API_URL or the port in the node config)')
    .option('--token <token>', 'auditor or admin token (default PALERMO_TOKEN)')
    .option('--data-dir <dir>', 'node data dir (to find its port)')
    .action(async (opts: VerifyOptions) => {
      const api = ApiClient.from(opts);
      const armoredKey = opts.key ? readKeyFile(opts.key) : undefined;
      const verdict = await verifyAuditLog(api, armoredKey);
      process.stdout.write(`${verdict.line}\n`);
      process.exitCode = verdict.ok ? EXIT.valid : EXIT.invalid;
    });
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--key ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/**
 * Streams the log page by page (never all of it in memory): checkpoints first (their signatures,
 * and which seqs to remember), then every entry through AuditChainChecker, then each checkpoint and
 * the head against what was seen.
 */
export async function verifyAuditLog(api: ApiClient, armoredKey?: string): Promise<AuditVerdict> {
  const node = await api.call<{ nodeId: string; publicKey: string; keyHistory?: NodeKeyHistory }>('GET', '/node');
  const key = await readPublicKey(armoredKey ?? node.publicKey);
  // Checkpoints signed before a key rotation verify with the earlier key, reached only through rotation statements.
  const keys = await checkpointKeys(node.nodeId, key, node.keyHistory);
  const checkpoints = await fetchCheckpoints(api);
  for (const checkpoint of checkpoints) {
    const bad = await checkSignature(checkpoint, keys, fingerprintOf(key));
    if (bad) return { ok: false, line: `FAIL: ${bad}` };
  }
  const checker = new AuditChainChecker();
  for (const c of checkpoints) checker.watch(c.seq);
  let head: EntryPage['head'] | undefined;
  let cursor: string | null = null;
  do {
    const page: EntryPage = await api.call<EntryPage>('GET', `/audit?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    // The head of the first page was committed before any page was read: all of it must be there.
    if (!head) {
      head = page.head;
      if (head.seq > 0) checker.watch(head.seq);
    }
    for (const entry of page.items) {
      const problem = checker.add(entry);
      if (problem) return { ok: false, line: `FAIL: ${problem.message}${describe(entry)}` };
    }
    cursor = page.nextCursor;
  } while (cursor);
  for (const checkpoint of checkpoints) {
    const problem = checker.checkCheckpoint(checkpoint);
    if (problem) return { ok: false, line: `FAIL: ${problem.message}` };
  }
  if (head && head.hash !== null) {
    const problem = checker.checkCheckpoint({ seq: head.seq, hash: head.hash }, "the node's head (unsigned)");
    if (problem) return { ok: false, line: `FAIL: ${problem.message}` };
  }
  const end = checker.head;
  const latest = checkpoints.at(-1);
  const signed = latest ? `${checkpoints.length} signed checkpoint(s) verified, the latest at entry ${latest.seq} (${latest.at})` : 'no signed checkpoint yet';
  return { ok: true, line: `OK: ${end.seq} entries of ${node.nodeId} chained (head ${end.hash?.slice(0, 16) ?? 'none'}); ${signed}` };
}

async function fetchCheckpoints(api: ApiClient): Promise<AuditCheckpointRecord[]> {
  const all: AuditCheckpointRecord[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: AuditCheckpointRecord[]; nextCursor: string | null } = await api.call('GET', `/audit/checkpoints?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

async function checkSignature(c: AuditCheckpointRecord, keys: Map<string, CheckpointKey>, trusted: string): Promise<string | null> {
  const where = `the checkpoint at entry ${c.seq} (${c.at})`;
  const signer = keys.get(c.signer);
  if (!signer) return `${where} is signed by ${c.signer}, not by the node key ${trusted} nor a key it rotated from or to`;
  if (signer.until !== null && Date.parse(c.at) > Date.parse(signer.until) + SUPERSEDED_GRACE_MS) return `${where} is signed by ${c.signer}, rotated away at ${signer.until}`;
  if (signer.compromisedAt !== null && Date.parse(c.at) >= Date.parse(signer.compromisedAt)) return `${where} is signed by ${c.signer}, compromised from ${signer.compromisedAt}`;
  const key = signer.key;
  let signature: Uint8Array;
  try {
    signature = await dearmorSignature(c.signature);
  } catch {
    return `${where} carries no readable signature`;
  }
  const bytes = auditCheckpointBytes({ spec: AUDIT_CHECKPOINT_SPEC, node: c.node, seq: c.seq, hash: c.hash, at: c.at });
  const result = await verifyDetached(bytes, signature, key);
  return result.ok ? null : `${where}: signature invalid (the checkpoint was altered or not signed by this node)`;
}

function describe(e: AuditEventRecord): string {
  return ` [entry ${e.seq}: ${e.at} ${e.action} ${e.subjectType}/${e.subjectId}]`;
}
