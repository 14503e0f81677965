import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holds, publish } from './support/agreements.probes';
import { AuditTamperer } from './support/audit.tamper';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';
import { run } from './support/hostile.node-io';
import { auditEntryHash, type AuditChainFields } from '@palermo/store';

// The tamper-evident audit log (issue 4 item 7) on two real nodes: what gets recorded for an export,
// an import, pins, keys, tokens and API writes; who may read it; and `palermo audit verify` (the
// built CLI, through the API with an auditor token) against a log edited, cut and reordered directly
// in PostgreSQL with the triggers switched off, as a superuser could.

const A = 'nl-police';
const B = 'de-bka';
const CLI = join(__dirname, '..', '..', 'dist', 'apps', 'cli', 'src', 'main.js');
const { PALERMO_DATA_DIR: _dir, PALERMO_NODE_ID: _id, PALERMO_CONFIG: _config, DATABASE_URL: _db, PALERMO_TOKEN: _t, ...cleanEnv } = process.env;

let fed: Federation;
let nl: TestNode;
let de: TestNode;
let tamper: AuditTamperer;
let published: string;

interface Entry {
  seq: number;
  action: string;
  subjectType: string;
  subjectId: string;
  actor: { tokenId: string; name: string } | null;
  details: Record<string, unknown>;
  hash: string;
  prevHash: string | null;
}

async function entries(node: TestNode, filter = ''): Promise<Entry[]> {
  const out: Entry[] = [];
  let cursor: string | null = null;
  do {
    const res: { status: number; body: { items: Entry[]; nextCursor: string | null } } = await node.api('GET', `/audit?limit=50${filter}${cursor ? `&cursor=${cursor}` : ''}`, { role: 'auditor' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    out.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return out;
}

const verify = (node: TestNode) => run(process.execPath, [CLI, 'audit', 'verify', '--api', node.url, '--token', node.token('auditor')], { env: cleanEnv });

function expectFail(node: TestNode, pattern: RegExp) {
  const res = verify(node);
  expect(res.stdout.trim(), res.stderr).toMatch(pattern);
  expect(res.status).toBe(1);
}

function expectOk(node: TestNode) {
  const res = verify(node);
  expect(res.stdout.trim(), res.stderr).toMatch(/^OK: \d+ entries of /);
  expect(res.status).toBe(0);
  return res.stdout.trim();
}

beforeAll(async () => {
  fed = await bootFederation([
    { nodeId: A, jurisdiction: 'NL', env: { PALERMO_AUDIT_CHECKPOINT_INTERVAL_MS: '86400000', PALERMO_LOG_CHECKPOINT_INTERVAL_MS: '86400000' } },
    { nodeId: B, jurisdiction: 'DE', env: { PALERMO_AUDIT_CHECKPOINT_INTERVAL_MS: '86400000', PALERMO_LOG_CHECKPOINT_INTERVAL_MS: '86400000' } },
  ]);
  [nl, de] = [fed.node(A), fed.node(B)];
  [published] = await publish(nl, [{ type: 'email', value: 'audit.recruiter@example.org', tlp: 'green', confidence: 80 }]);
  await eventually(`${B} to import ${published}`, () => holds(de, published!));
  // Feed-log checkpoints only on demand too: each one and its countersignatures append `log.checkpoint` / `log.witnessed`.
  // Receipts arrive after the import (signed receipts, issue 4 item 4) and append `receipt.received`: let them
  // settle both ways, so the log is quiet when the tests read its head.
  await eventually('receipts settled both ways', async () => {
    for (const [node, partner] of [[nl, B], [de, A]] as const) {
      const status = await node.api('GET', `/partners/${partner}/status`);
      if (status.status !== 200 || status.body.chains.some((c: { outstanding: number }) => c.outstanding > 0)) return false;
    }
    return true;
  });
  tamper = await AuditTamperer.open(de);
});

afterAll(async () => {
  await tamper?.close();
  await fed?.stop();
});

describe('what the audit log records', () => {
  it('the export of every bundle on the publisher, the import decision of every bundle on the recipient', async () => {
    const bundle = (await de.api('GET', `/indicators/${published}`, { role: 'auditor' })).body.bundleHash as string;
    const [exported] = await entries(nl, `&action=bundle.exported&subjectId=${bundle}`);
    expect(exported).toMatchObject({ subjectType: 'bundle', actor: null, details: { audience: expect.any(String), seq: expect.any(Number), upserts: 1, revocations: 0 } });
    const [imported] = await entries(de, `&action=bundle.imported&subjectId=${bundle}`);
    expect(imported).toMatchObject({ details: { publisher: A, accepted: 1, pseudonymized: 0, rejected: 0, revocations: 0, signer: nl.fingerprint } });
    expect(JSON.stringify(await entries(nl))).not.toContain('audit.recruiter@example.org');
  });

  it('keys, pins, tokens, agreements and every write through the API with its token', async () => {
    const all = await entries(nl);
    const actions = new Set(all.map((e) => e.action));
    for (const a of ['token.created', 'partner.pinned', 'key.created', 'agreement.created', 'agreement.approve', 'policy.changed', 'bundle.exported', 'api.write']) expect(actions, a).toContain(a);
    expect(all.find((e) => e.action === 'partner.pinned')).toMatchObject({ subjectId: B, details: { fingerprint: de.fingerprint } });
    const post = all.find((e) => e.action === 'api.write' && e.subjectId === 'POST /api/v1/indicators');
    expect(post).toMatchObject({ actor: { name: 'e2e analyst' }, details: { method: 'POST', route: '/api/v1/indicators', status: 201, role: 'analyst' } });
    // A refused write is recorded with the status it got.
    const refused = await nl.api('POST', '/indicators/00000000-0000-7000-8000-000000000000/revoke', { body: { reason: 'x' } });
    expect(refused.status).toBe(404);
    const [last] = (await entries(nl, '&action=api.write')).slice(-1);
    expect(last).toMatchObject({ subjectId: 'POST /api/v1/indicators/:id/revoke', details: { status: 404, params: { id: '00000000-0000-7000-8000-000000000000' } } });
  });

  it('a write refused for its role (403) with the token that tried; an unknown token (401) is not recorded', async () => {
    const refused = await nl.api('POST', '/partners', { role: 'auditor', body: { nodeId: 'xx-evil', jurisdiction: 'XX', publicKey: 'k', fingerprint: 'f'.repeat(40) } });
    expect(refused.status).toBe(403);
    const unknown = await nl.api('POST', '/partners', { token: `plm_${'A'.repeat(43)}`, body: {} });
    expect(unknown.status).toBe(401);
    const entry = await eventually('the refusal to be audited', async () => (await entries(nl, '&action=api.refused')).at(-1));
    expect(entry).toMatchObject({ actor: { name: 'e2e auditor' }, subjectId: 'POST /api/v1/partners', details: { status: 403, role: 'auditor', route: '/api/v1/partners' } });
    expect(await entries(nl, '&action=api.refused')).toHaveLength(1);
  });

  it('is read by auditors and admins only, with validated filters and cursors', async () => {
    expect((await nl.api('GET', '/audit', { role: 'analyst' })).status).toBe(403);
    expect((await nl.api('GET', '/audit', { role: 'policy-officer' })).status).toBe(403);
    expect((await nl.api('GET', '/audit', { role: null })).status).toBe(401);
    expect((await nl.api('GET', '/audit?limit=1', { role: 'admin' })).status).toBe(200);
    for (const bad of ['limit=0', 'limit=1001', 'limit=x', 'cursor=garbage', 'actor=not-a-uuid', 'evil=1', `action=${'a'.repeat(300)}`]) {
      const res = await nl.api('GET', `/audit?${bad}`, { role: 'auditor' });
      expect(res.status, bad).toBe(400);
    }
    const hostile = await nl.api('GET', `/audit?subjectId=${encodeURIComponent("x'; drop table audit_event; --\u0000")}`, { role: 'auditor' });
    expect(hostile.status).toBe(200);
    expect(hostile.body.items).toEqual([]);
    const page = await nl.api('GET', '/audit?limit=2', { role: 'auditor' });
    expect(page.body.items.map((e: Entry) => e.seq)).toEqual([1, 2]);
    expect(page.body.head.seq).toBeGreaterThan(2);
  });
});

describe('palermo audit verify', () => {
  it('passes on an untouched log, and checks the checkpoints signed at boot and on demand', async () => {
    expect(expectOk(de)).toMatch(/1 signed checkpoint\(s\) verified/);
    const head = (await de.api('GET', '/audit?limit=1', { role: 'auditor' })).body.head;
    const made = await de.api('POST', '/audit/checkpoints', { role: 'auditor' });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    expect(made.body).toMatchObject({ node: B, signer: de.fingerprint, seq: head.seq, hash: head.hash });
    const again = await de.api('POST', '/audit/checkpoints', { role: 'analyst' });
    expect(again.status).toBe(403);
    expect(expectOk(de)).toMatch(new RegExp(`2 signed checkpoint\\(s\\) verified, the latest at entry ${head.seq} `));
    const list = await de.api('GET', '/audit/checkpoints', { role: 'auditor' });
    expect(list.body.items).toHaveLength(2);
  });

  it('names an edited entry (any column), and passes again once it is put back', async () => {
    const seq = 3;
    const [{ action }] = await tamper.sql<{ action: string }>(`select action from audit_event where seq = $1`, [seq]);
    await tamper.sql(`update audit_event set action = 'forged' where seq = $1`, [seq]);
    expectFail(de, new RegExp(`^FAIL: entry ${seq} \\(forged\\) was edited`));
    await tamper.sql(`update audit_event set action = $1 where seq = $2`, [action, seq]);
    await tamper.sql(`update audit_event set details = details || '{"accepted": 99}' where seq = $1`, [seq]);
    expectFail(de, new RegExp(`^FAIL: entry ${seq} .*was edited`));
    await tamper.sql(`update audit_event set details = details - 'accepted' where seq = $1`, [seq]);
    expectOk(de);
  });

  it('names a deleted middle entry', async () => {
    await tamper.deleteSeqs(4, 4);
    expectFail(de, /^FAIL: entry 4 missing: seq jumps from 3 to 5 \(deleted\)/);
    await tamper.restore();
    expectOk(de);
  });

  it('names deleted last entries: through the signed checkpoint even when the head was moved back too', async () => {
    const checkpoint = (await de.api('GET', '/audit/checkpoints', { role: 'auditor' })).body.items.at(-1);
    const last = await tamper.lastSeq();
    const [head] = await tamper.sql<{ seq: string; hash: string }>(`select seq::text as seq, hash from audit_head`);
    await tamper.deleteSeqs(last, last);
    expectFail(de, new RegExp(`^FAIL: the node's head \\(unsigned\\) vouches for ${last} entries but the log ends at ${last - 1}: entries ${last}–${last} deleted`));
    await tamper.deleteSeqs(checkpoint.seq - 1, last - 1);
    const [prev] = await tamper.sql<{ hash: string }>(`select hash from audit_event where seq = $1`, [checkpoint.seq - 2]);
    await tamper.sql(`update audit_head set seq = $1, hash = $2`, [checkpoint.seq - 2, prev!.hash]);
    expectFail(de, new RegExp(`^FAIL: a signed checkpoint vouches for ${checkpoint.seq} entries but the log ends at ${checkpoint.seq - 2}`));
    await tamper.restore();
    await tamper.sql(`update audit_head set seq = $1, hash = $2`, [head!.seq, head!.hash]);
    expectOk(de);
  });

  it('names reordered entries (two rows swapped)', async () => {
    await tamper.swap(5, 6);
    expectFail(de, /^FAIL: entry 5 does not link to entry 4 .*reordered/);
    await tamper.swap(5, 6);
    expectOk(de);
  });

  it('names a checkpoint whose statement was altered (its signature no longer verifies)', async () => {
    const checkpoint = (await de.api('GET', '/audit/checkpoints', { role: 'auditor' })).body.items.at(-1);
    await tamper.sql(`update audit_checkpoint set hash = $1 where seq = $2`, ['f'.repeat(64), checkpoint.seq]);
    expectFail(de, new RegExp(`^FAIL: the checkpoint at entry ${checkpoint.seq} .*signature invalid`));
    await tamper.sql(`update audit_checkpoint set hash = $1 where seq = $2`, [checkpoint.hash, checkpoint.seq]);
    expectOk(de);
  });

  it('names a log rewritten with every hash recomputed and the head moved, through the signed checkpoint', async () => {
    const checkpoint = (await de.api('GET', '/audit/checkpoints', { role: 'auditor' })).body.items.at(-1);
    const original = await entries(de);
    let prev: string | null = original[1]!.hash;
    const forged = original.slice(2).map((e) => {
      const next = { ...e, action: e.seq === 3 ? 'forged' : e.action, prevHash: prev };
      next.hash = auditEntryHash(next as unknown as AuditChainFields);
      prev = next.hash;
      return next;
    });
    const write = async (list: Entry[]) => {
      for (const e of list) await tamper.sql(`update audit_event set action = $1, prev_hash = $2, hash = $3 where seq = $4`, [e.action, e.prevHash, e.hash, e.seq]);
      await tamper.sql(`update audit_head set seq = $1, hash = $2`, [list.at(-1)!.seq, list.at(-1)!.hash]);
    };
    await write(forged);
    expectFail(de, /^FAIL: a signed checkpoint at entry \d+ says [0-9a-f]{12}, the log has [0-9a-f]{12}: entries up to \d+ were rewritten/);
    await write(original.slice(2));
    expectOk(de);
  });
});
