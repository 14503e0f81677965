import { expect } from 'vitest';
import type { AgreementCommand } from '@palermo/policy';
import type { BundleSummary } from '@palermo/store';
import { aMinuteAgo, type AgreementTermsSpec, type ApiAnswer, type Caller, type TestNode } from './federation.harness';
import { listAll } from './hostile.node-io';

// What the agreement and policy suites do through the API, as a policy officer, auditor or analyst would.

/** An agreement as GET /agreements/:id shows it (the fields the suites look at). */
export interface AgreementView {
  id: string;
  partner: string;
  state: string;
  effectiveState: string;
  directions: string[];
  types: string[];
  maxTlp: string;
  retentionDays: number | null;
  validFrom: string;
  validUntil: string | null;
  createdBy: { tokenId: string; name: string };
  approvedBy: { tokenId: string; name: string } | null;
  suspendedBy: { tokenId: string; name: string } | null;
  history?: { at: string; action: string; actor: { tokenId: string; name: string } | null; details: unknown }[];
}

/** Broad terms (both directions, every type, up to AMBER) in effect from a minute ago; override any. */
export function terms(partner: string, overrides: AgreementTermsSpec = {}) {
  return {
    partner,
    directions: ['export', 'import'],
    types: ['phone', 'email', 'username', 'url', 'domain', 'ip', 'crypto-wallet', 'iban', 'keyword', 'file-sha256'],
    maxTlp: 'amber',
    purposes: ['investigation'],
    retentionDays: null,
    validFrom: aMinuteAgo(),
    ...overrides,
  };
}

/** Drafts an agreement as `caller` (default the first officer); fails the test unless it is created as a draft. */
export async function draft(node: TestNode, partner: string, overrides: AgreementTermsSpec = {}, caller: Caller = 'policy-officer'): Promise<AgreementView> {
  const res = await node.api('POST', '/agreements', { role: caller, body: terms(partner, overrides) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body).toMatchObject({ partner, state: 'draft' });
  return res.body;
}

/** approve / suspend / resume / terminate as `caller`; the raw answer. */
export function command(node: TestNode, id: string, cmd: AgreementCommand, caller: Caller, reason?: string): Promise<ApiAnswer<any>> {
  return node.api('POST', `/agreements/${id}/${cmd}`, { role: caller, body: reason === undefined ? {} : { reason } });
}

/** GET /agreements/:id as the auditor (with history). */
export async function agreement(node: TestNode, id: string): Promise<AgreementView> {
  const res = await node.api('GET', `/agreements/${id}`, { role: 'auditor' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** The node's current (active or suspended) agreement with `partner`. */
export async function currentAgreement(node: TestNode, partner: string): Promise<AgreementView> {
  const res = await node.api('GET', `/agreements?partner=${partner}`, { role: 'auditor' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const current = (res.body.items as AgreementView[]).filter((a) => a.state === 'active' || a.state === 'suspended');
  expect(current, `${node.nodeId}'s current agreements with ${partner}`).toHaveLength(1);
  return current[0]!;
}

/** POSTs indicators as the analyst; their ids in input order. */
export async function publish(node: TestNode, indicators: object[]): Promise<string[]> {
  const res = await node.api('POST', '/indicators', { body: { indicators } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.items.map((i: { id: string }) => i.id);
}

/** Whether `node` holds indicator `id` (API view). */
export async function holds(node: TestNode, id: string): Promise<boolean> {
  return (await node.api('GET', `/indicators/${id}`, { role: 'auditor' })).status === 200;
}

/** Outbound bundles of `node` on `audience`'s chain, oldest first. */
export async function outbound(node: TestNode, audience: string): Promise<BundleSummary[]> {
  return (await listAll<BundleSummary>(node, `/bundles?direction=out&partner=${audience}`)).filter((b) => b.audience === audience).reverse();
}

/** Inbound bundles on `node` from `publisher` on chain `audience`, oldest first. */
export async function inbound(node: TestNode, publisher: string, audience: string): Promise<BundleSummary[]> {
  return (await listAll<BundleSummary>(node, `/bundles?direction=in&partner=${publisher}`)).filter((b) => b.audience === audience).reverse();
}

/** Indicator ids of `origin` that `node` keeps (not revoked), sorted. */
export async function keptFrom(node: TestNode, origin: string): Promise<string[]> {
  return (await listAll<{ id: string }>(node, `/indicators?origin=${origin}`, 'analyst')).map((i) => i.id).sort();
}

/** The canonical bundle JSON a node stored for `hash` (raw bytes, parsed). */
export async function rawBundle(node: TestNode, hash: string): Promise<{ publisher: string; audience: string; seq: number; entries: any[] }> {
  const res = await fetch(`${node.url}/api/v1/bundles/${hash}/raw`, { headers: { authorization: `Bearer ${node.tokens.auditor}` } });
  if (!res.ok) throw new Error(`GET /bundles/${hash}/raw on ${node.nodeId}: ${res.status}`);
  return JSON.parse(await res.text());
}

/** Publishes one indicator every `everyMs` on `node` until stopped; the ids with when each POST returned. */
export function publishContinuously(node: TestNode, make: (n: number) => object, everyMs = 50) {
  const published: { id: string; at: number }[] = [];
  let stopped = false;
  const loop = (async () => {
    for (let n = 0; !stopped; n++) {
      const [id] = await publish(node, [make(n)]);
      published.push({ id: id!, at: Date.now() });
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    published,
    async stop() {
      stopped = true;
      await loop;
      return published;
    },
  };
}
