// SHIM, to be replaced by @palermo/interop (libs/interop/src/misp, the misp helper's work) at merge:
// mispEventToIndicators with the shape of plan6.md (plus `timestamp` on each source, which the node
// side uses to ignore older copies), kept as small as the node side's tests need. Pure.
import { TAG_PATTERN, type Tlp } from '@palermo/indicators';

/** One mapped attribute. */
export interface MispItem {
  source: { uuid: string; type: string; category: string; object?: string; timestamp?: string };
  input: Record<string, unknown>;
}

/** One attribute that was not mapped, and why. */
export interface MispSkipped {
  uuid?: string;
  type: string;
  value?: string;
  code: string;
  reason: string;
}

/** The result of mapping one MISP event. */
export interface MispMapping {
  event: { uuid: string; info: string; date: string; orgc?: string };
  items: MispItem[];
  skipped: MispSkipped[];
}

const TYPES: Record<string, string> = {
  'phone-number': 'phone',
  'whois-registrant-phone': 'phone',
  email: 'email',
  'email-src': 'email',
  'email-dst': 'email',
  url: 'url',
  link: 'url',
  uri: 'url',
  domain: 'domain',
  hostname: 'domain',
  'ip-src': 'ip',
  'ip-dst': 'ip',
  btc: 'crypto-wallet',
  iban: 'iban',
  sha256: 'file-sha256',
};
const TLP_TAGS: Record<string, Tlp> = {
  'tlp:white': 'clear',
  'tlp:clear': 'clear',
  'tlp:green': 'green',
  'tlp:amber': 'amber',
  'tlp:amber+strict': 'amber+strict',
  'tlp:red': 'red',
};
const ORDER: Tlp[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];
const DISTRIBUTION: Record<string, Tlp> = { '0': 'red', '1': 'amber', '2': 'amber', '3': 'green', '4': 'amber+strict' };

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
const stricter = (a: Tlp | null, b: Tlp | null): Tlp | null => (a === null ? b : b === null ? a : ORDER.indexOf(b) > ORDER.indexOf(a) ? b : a);

function tagsOf(v: unknown): string[] {
  return list(v).map((t) => str(obj(t)?.name).toLowerCase());
}

function tlpOf(tags: string[], distribution: unknown): Tlp | null {
  let tlp: Tlp | null = null;
  for (const tag of tags) tlp = stricter(tlp, TLP_TAGS[tag] ?? null);
  return stricter(tlp, DISTRIBUTION[str(distribution)] ?? null);
}

/** Maps a MISP event (`{Event: …}` or bare) to indicator inputs, reporting every attribute it skips. */
export function mispEventToIndicators(json: unknown): MispMapping {
  const root = obj(json);
  const event = obj(root?.Event) ?? root;
  if (!event || typeof event.uuid !== 'string') {
    return { event: { uuid: '', info: '', date: '' }, items: [], skipped: [{ type: 'event', code: 'MISP_NOT_AN_EVENT', reason: 'no MISP event (Event.uuid missing)' }] };
  }
  const eventTags = tagsOf(event.Tag);
  const eventTlp = tlpOf(eventTags, event.distribution) ?? 'amber';
  const result: MispMapping = {
    event: { uuid: event.uuid, info: str(event.info).slice(0, 200), date: str(event.date), orgc: str(obj(event.Orgc)?.name) || undefined },
    items: [],
    skipped: [],
  };
  const attributes = [
    ...list(event.Attribute).map((a) => ({ a, object: undefined as string | undefined })),
    ...list(event.Object).flatMap((o) => list(obj(o)?.Attribute).map((a) => ({ a, object: str(obj(o)?.name) || undefined }))),
  ];
  for (const { a, object } of attributes) {
    const attr = obj(a);
    const type = str(attr?.type);
    const uuid = str(attr?.uuid) || undefined;
    const value = str(attr?.value);
    const skip = (code: string, reason: string) => result.skipped.push({ uuid, type, value: value.slice(0, 100), code, reason });
    if (!attr || !uuid) {
      skip('MISP_INVALID_ATTRIBUTE', 'an attribute without a uuid');
      continue;
    }
    if (attr.deleted === true || attr.deleted === '1') {
      skip('MISP_DELETED', 'deleted attribute');
      continue;
    }
    const palermoType = TYPES[type];
    if (!palermoType) {
      skip('MISP_TYPE_UNMAPPED', `MISP type ${type.slice(0, 40)} has no Palermo indicator type`);
      continue;
    }
    const attrTags = tagsOf(attr.Tag);
    const distribution = str(attr.distribution) === '5' ? undefined : attr.distribution;
    const tlp = stricter(eventTlp, tlpOf(attrTags, distribution)) ?? eventTlp;
    const tags = [...new Set([...eventTags, ...attrTags])].filter((t) => !t.startsWith('tlp:') && TAG_PATTERN.test(t));
    const input: Record<string, unknown> = { type: palermoType, value, tlp, tags };
    if (palermoType === 'crypto-wallet') input.chain = 'btc';
    if (typeof attr.comment === 'string' && attr.comment.trim()) input.description = attr.comment;
    const ts = Number(str(attr.timestamp));
    const timestamp = Number.isFinite(ts) && ts > 0 ? new Date(ts * 1000).toISOString() : undefined;
    result.items.push({ source: { uuid, type, category: str(attr.category), object, timestamp }, input });
  }
  return result;
}
