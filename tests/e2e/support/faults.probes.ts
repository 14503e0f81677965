import type { BundleSummary } from '@palermo/store';
import type { TestNode } from './federation.harness';

/** An analyst's input indicator, as POSTed to /indicators. */
export interface InputIndicator {
  type: 'phone';
  value: string;
  tlp: 'clear';
  confidence: number;
  tags: string[];
}

/** A bundle as GET /bundles lists it: the store's summary, as JSON. */
export type BundleRow = BundleSummary;

/**
 * `count` distinct valid Dutch mobile numbers from +31<first> on (first = 610000000 → +31610000000),
 * TLP:CLEAR so the exporter puts them on the community chain `all` (the only TLP it carries).
 */
export function phoneIndicators(first: number, count: number): InputIndicator[] {
  return Array.from({ length: count }, (_, i) => ({
    type: 'phone' as const,
    value: `+31${first + i}`,
    tlp: 'clear' as const,
    confidence: 80,
    tags: ['ht:recruitment'],
  }));
}

/** POSTs one batch as the analyst; fails the test with the node's answer unless every item was created. */
export async function publishIndicators(node: TestNode, indicators: InputIndicator[]): Promise<void> {
  const res = await node.api('POST', '/indicators', { body: { indicators } });
  const created = res.body?.items?.filter((i: { status: string }) => i.status === 'created').length;
  if (res.status >= 300 || created !== indicators.length) {
    throw new Error(`POST /indicators on ${node.nodeId}: ${res.status}, ${created} of ${indicators.length} created: ${JSON.stringify(res.body).slice(0, 500)}`);
  }
}

/** Follows nextCursor through a keyset-paged list endpoint and returns every item. */
export async function allPages<T>(node: TestNode, path: string, role: 'analyst' | 'auditor' = 'analyst'): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res: { status: number; body: any } = await node.api(`GET`, `${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`, { role });
    if (res.status !== 200) throw new Error(`GET ${path} on ${node.nodeId}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
}

/** Bundles of one chain on `node` in the order the node stored them (oldest first). */
export async function chainBundles(node: TestNode, direction: 'in' | 'out', publisher: string, audience: string): Promise<BundleRow[]> {
  const rows = await allPages<BundleRow>(node, `/bundles?direction=${direction}&limit=500`);
  // The list is newest first by storage position; reversed it is the order of storing (= importing).
  return rows.filter((b) => b.publisher === publisher && b.audience === audience).reverse();
}

/** Every indicator of `origin` that `node` keeps (searchable, not revoked), via the API. */
export async function indicatorsFrom(node: TestNode, origin: string): Promise<{ id: string; value: string | null; version: number }[]> {
  return allPages(node, `/indicators?origin=${origin}&limit=1000`);
}

/** What the auditor sees in quarantine. */
export async function quarantined(node: TestNode): Promise<{ code: string; message: string; subject: string }[]> {
  return allPages(node, '/quarantine?limit=500', 'auditor');
}

/** Number of import decisions recorded on `node` for the given inbound bundles (GET /bundles/:hash). */
export async function decisionCount(node: TestNode, hashes: string[]): Promise<number> {
  let total = 0;
  for (const hash of hashes) {
    const res = await node.api('GET', `/bundles/${hash}`);
    if (res.status !== 200) throw new Error(`GET /bundles/${hash}: ${res.status}`);
    total += res.body.decisions.length;
  }
  return total;
}

/** Fails unless the bundles form one unbroken chain from seq 1: seq 1..n, each prev = hash of the one before. */
export function assertUnbrokenChain(bundles: BundleRow[]): void {
  bundles.forEach((b, i) => {
    const expectedPrev = i === 0 ? null : bundles[i - 1].hash;
    if (b.seq !== i + 1 || b.prev !== expectedPrev) {
      throw new Error(`chain broken at position ${i}: seq ${b.seq} (want ${i + 1}), prev ${b.prev?.slice(0, 12)} (want ${expectedPrev?.slice(0, 12)})`);
    }
  });
}

/** Milliseconds since `start`, rounded, for the timing lines these suites print. */
export function since(start: number): number {
  return Math.round(performance.now() - start);
}
