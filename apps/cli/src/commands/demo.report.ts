import type { Writable } from 'node:stream';
import type { NodeProcess } from '@palermo/testing';

interface MadeNode {
  nodeId: string;
  jurisdiction: string;
  tokens: Record<string, string>;
}

interface Decision {
  originId: string;
  action: string;
  reasons: string[];
}

interface ExportDecision extends Decision {
  audience: string;
  bundleHash: string | null;
}

const SENT = new Set(['share', 'share-stripped']);

async function api<T>(node: NodeProcess, token: string, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${node.url}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path} → ${res.status} ${JSON.stringify(body)}`);
  return body as T;
}

/**
 * Publishes the sample on the first node, waits for its export decisions and for the others to
 * import, and prints per partner what was withheld by the publisher and what each kept, and why.
 */
export async function publishAndReport(nodes: NodeProcess[], made: MadeNode[], sample: readonly object[], out: Writable): Promise<void> {
  const [origin, ...partners] = nodes;
  const token = made[0].tokens.analyst;
  const published = await api<{ items: { id: string }[] }>(origin, token, '/indicators', { method: 'POST', body: JSON.stringify({ indicators: sample }) });
  const labels = new Map<string, string>();
  for (const [i, item] of published.items.entries()) {
    // Show the value as normalized on the origin: that is what partners receive and match on.
    const stored = await api<{ indicator: { value: string } }>(origin, token, `/indicators/${item.id}`);
    labels.set(item.id, label(sample[i] as Record<string, unknown>, stored.indicator.value));
  }
  const exported = await waitForExportDecisions(origin, token, published.items.map((i) => i.id), partners.length + 1);
  out.write(`\n${origin.nodeId} published ${sample.length} indicators and decided, per audience, under its agreements and policy:\n`);
  for (const [i, node] of partners.entries()) {
    const mine = exported.filter((d) => d.audience === node.nodeId);
    const viaCommunity = new Set(exported.filter((d) => d.audience === 'all' && SENT.has(d.action)).map((d) => d.originId));
    const withheld = mine.filter((d) => !SENT.has(d.action) && !viaCommunity.has(d.originId));
    out.write(`\n  to ${node.nodeId}: ${mine.length - withheld.length} sent (the TLP:CLEAR ones on the community chain), ${withheld.length} withheld:\n`);
    for (const d of withheld) out.write(`    ${(labels.get(d.originId) ?? d.originId).padEnd(72)} ${d.reasons.join(', ')}\n`);
    const expected = new Set(mine.filter((d) => SENT.has(d.action) || viaCommunity.has(d.originId)).map((d) => d.originId)).size;
    const decisions = await waitForImportDecisions(node, made[i + 1].tokens.auditor, origin.nodeId, expected);
    out.write(`\n${node.nodeId} (${made[i + 1].jurisdiction}) decided on ${decisions.length} indicator(s) from ${origin.nodeId}:\n`);
    for (const action of ['accept', 'accept-pseudonymized', 'reject']) {
      const rows = decisions.filter((d) => d.action === action);
      out.write(`  ${action === 'accept' ? 'imported' : action === 'reject' ? 'rejected' : 'pseudonymized'}: ${rows.length}\n`);
      for (const d of rows) out.write(`    ${(labels.get(d.originId) ?? d.originId).padEnd(72)} ${d.reasons.join(', ')}\n`);
    }
  }
}

/** Waits until the origin recorded a decision for every published indicator and audience. */
async function waitForExportDecisions(origin: NodeProcess, token: string, ids: string[], audiences: number): Promise<ExportDecision[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const decisions: ExportDecision[] = [];
    // Newest first: the latest decision per audience is the one that stands (a backfill may decide again).
    for (const id of ids) decisions.push(...latestPer((await api<{ exportDecisions: ExportDecision[] }>(origin, token, `/indicators/${id}`)).exportDecisions, (d) => d.audience));
    if (decisions.length >= ids.length * audiences) return decisions;
    if (Date.now() > deadline) throw new Error(`${origin.nodeId} decided ${decisions.length} of ${ids.length * audiences} exports within 60 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function waitForImportDecisions(node: NodeProcess, token: string, publisher: string, expected: number): Promise<Decision[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const list = await api<{ items: { hash: string }[] }>(node, token, `/bundles?direction=in&partner=${publisher}&limit=500`);
    const decisions: Decision[] = [];
    for (const b of list.items) decisions.push(...(await api<{ items: Decision[] }>(node, token, `/bundles/${b.hash}/decisions`)).items);
    // Bundles come newest first; an indicator received twice (its backfill and its change) counts once.
    const latest = latestPer(decisions, (d) => d.originId);
    if (latest.length >= expected) return latest;
    if (Date.now() > deadline) throw new Error(`${node.nodeId} imported ${decisions.length} of ${expected} indicators within 60 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The first item per key, in order. */
function latestPer<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(key(item)) && seen.add(key(item)));
}

function label(s: Record<string, unknown>, normalized: string): string {
  // A report on screen is a disclosure too: RED and AMBER+STRICT values are not printed.
  if (s.tlp === 'red' || s.tlp === 'amber+strict') return `${String(s.type)} (value not shown) [TLP:${String(s.tlp).toUpperCase()} c${String(s.confidence)}]`;
  const extra = s.platform ? ` @${String(s.platform)}` : s.chain ? ` (${String(s.chain)})` : '';
  const typed = normalized === s.value ? '' : ` (typed "${String(s.value)}")`;
  return `${String(s.type)}${extra} ${normalized}${typed} [TLP:${String(s.tlp).toUpperCase()} c${String(s.confidence)}]`;
}
