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

const SHAREABLE_TLP = new Set(['clear', 'green', 'amber']);

async function api<T>(node: NodeProcess, token: string, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${node.url}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path} → ${res.status} ${JSON.stringify(body)}`);
  return body as T;
}

/** Publishes the sample on the first node, waits for the others to import, prints who kept what and why. */
export async function publishAndReport(nodes: NodeProcess[], made: MadeNode[], sample: readonly object[], out: Writable): Promise<void> {
  const [origin, ...partners] = nodes;
  const published = await api<{ items: { id: string }[] }>(origin, made[0].tokens.analyst, '/indicators', {
    method: 'POST',
    body: JSON.stringify({ indicators: sample }),
  });
  const labels = new Map<string, string>();
  for (const [i, item] of published.items.entries()) {
    // Show the value as normalized on the origin: that is what partners receive and match on.
    const stored = await api<{ indicator: { value: string } }>(origin, made[0].tokens.analyst, `/indicators/${item.id}`);
    labels.set(item.id, label(sample[i] as Record<string, unknown>, stored.indicator.value));
  }
  const expected = sample.filter((s) => SHAREABLE_TLP.has((s as { tlp: string }).tlp)).length;
  out.write(`\n${origin.nodeId} published ${sample.length} indicators; ${sample.length - expected} stay home (TLP:RED / AMBER+STRICT need encrypted bundles).\n`);
  for (const [i, node] of partners.entries()) {
    const decisions = await waitForDecisions(node, made[i + 1].tokens.auditor, origin.nodeId, expected);
    out.write(`\n${node.nodeId} (${made[i + 1].jurisdiction}) decided on ${decisions.length} indicator(s) from ${origin.nodeId}:\n`);
    for (const action of ['accept', 'accept-pseudonymized', 'reject']) {
      const rows = decisions.filter((d) => d.action === action);
      out.write(`  ${action === 'accept' ? 'imported' : action === 'reject' ? 'rejected' : 'pseudonymized'}: ${rows.length}\n`);
      for (const d of rows) out.write(`    ${(labels.get(d.originId) ?? d.originId).padEnd(72)} ${d.reasons.join(', ')}\n`);
    }
  }
}

async function waitForDecisions(node: NodeProcess, token: string, publisher: string, expected: number): Promise<Decision[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const list = await api<{ items: { hash: string }[] }>(node, token, `/bundles?direction=in&partner=${publisher}&limit=500`);
    const decisions: Decision[] = [];
    for (const b of list.items) decisions.push(...(await api<{ decisions: Decision[] }>(node, token, `/bundles/${b.hash}`)).decisions);
    if (decisions.length >= expected) return decisions;
    if (Date.now() > deadline) throw new Error(`${node.nodeId} imported ${decisions.length} of ${expected} indicators within 60 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function label(s: Record<string, unknown>, normalized: string): string {
  const extra = s.platform ? ` @${String(s.platform)}` : s.chain ? ` (${String(s.chain)})` : '';
  const typed = normalized === s.value ? '' : ` (typed "${String(s.value)}")`;
  return `${String(s.type)}${extra} ${normalized}${typed} [TLP:${String(s.tlp).toUpperCase()} c${String(s.confidence)}]`;
}
