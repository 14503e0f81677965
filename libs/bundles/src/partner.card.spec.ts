import { beforeAll, describe, expect, it } from 'vitest';
import { generateNodeKey, readPrivateKey, type NodeKeyMaterial, type NodePrivateKey } from './bundle.keys';
import { makePartnerCard, verifyPartnerCard as verifyWith, type SignedPartnerCard } from './partner.card';

// libs/federation spells subjects (nodeSubjects); a pure-lib spec states the v1 form itself.
const subjects = (nodeId: string) => ({ feed: `palermo.v1.feed.${nodeId}.>`, receipts: `palermo.v1.receipt.${nodeId}.>`, lookups: `palermo.v1.lookup.${nodeId}` });
const verifyPartnerCard = (raw: unknown, now?: Date) => verifyWith(raw, subjects, now);

const NOW = new Date('2026-11-29T00:00:00.000Z');

describe('partner cards', () => {
  let nl: NodeKeyMaterial;
  let nlKey: NodePrivateKey;
  let de: NodeKeyMaterial;
  let deKey: NodePrivateKey;
  let card: SignedPartnerCard;

  beforeAll(async () => {
    [nl, de] = await Promise.all([generateNodeKey({ nodeId: 'nl-police', jurisdiction: 'NL' }), generateNodeKey({ nodeId: 'de-bka', jurisdiction: 'DE' })]);
    [nlKey, deKey] = await Promise.all([readPrivateKey(nl.armoredPrivateKey), readPrivateKey(de.armoredPrivateKey)]);
    card = await makePartnerCard({ nodeId: 'nl-police', jurisdiction: 'NL', privateKey: nlKey, armoredPublicKey: nl.armoredPublicKey, subjects, now: NOW });
  });

  it('a card made by a node verifies, through JSON, with its identity, subjects and fingerprint', async () => {
    const result = await verifyPartnerCard(JSON.parse(JSON.stringify(card)), NOW);
    expect(result).toEqual({ ok: true, card: card.card });
    expect(card.card).toMatchObject({
      nodeId: 'nl-police',
      jurisdiction: 'NL',
      fingerprint: nl.fingerprint,
      subjects: { feed: 'palermo.v1.feed.nl-police.>', receipts: 'palermo.v1.receipt.nl-police.>', lookups: 'palermo.v1.lookup.nl-police' },
      validUntil: '2027-11-29T00:00:00.000Z',
    });
    expect(card.signature).toMatch(/^-----BEGIN PGP SIGNATURE-----/);
  });

  it.each<[string, (c: SignedPartnerCard) => unknown, string]>([
    ['a field changed after signing (jurisdiction)', (c) => ({ ...c, card: { ...c.card, jurisdiction: 'DE' } }), 'CARD_SIGNATURE_INVALID'],
    ['a field changed after signing (node id, subjects made to match)', (c) => ({ ...c, card: { ...c.card, nodeId: 'nl-politie', subjects: { feed: 'palermo.v1.feed.nl-politie.>', receipts: 'palermo.v1.receipt.nl-politie.>', lookups: 'palermo.v1.lookup.nl-politie' } } }), 'CARD_SIGNATURE_INVALID'],
    ['another key put in, its own fingerprint stated', (c) => ({ ...c, card: { ...c.card, publicKey: de.armoredPublicKey, fingerprint: de.fingerprint } }), 'CARD_SIGNATURE_INVALID'],
    ['a fingerprint that is not the key\'s', (c) => ({ ...c, card: { ...c.card, fingerprint: de.fingerprint } }), 'CARD_FINGERPRINT_MISMATCH'],
    ['subjects of another node', (c) => ({ ...c, card: { ...c.card, subjects: { ...c.card.subjects, feed: 'palermo.v1.feed.de-bka.>' } } }), 'CARD_SUBJECTS_INVALID'],
    ['a key that is no key', (c) => ({ ...c, card: { ...c.card, publicKey: 'hello' } }), 'CARD_KEY_INVALID'],
    ['a signature that is no signature', (c) => ({ ...c, signature: 'not armored' }), 'CARD_SIGNATURE_INVALID'],
    ['an unknown field', (c) => ({ ...c, card: { ...c.card, role: 'admin' } }), 'CARD_MALFORMED'],
    ['another spec', (c) => ({ ...c, card: { ...c.card, spec: 'palermo/partner-card@2' } }), 'CARD_MALFORMED'],
    ['not an object', () => 'card', 'CARD_MALFORMED'],
    ['null', () => null, 'CARD_MALFORMED'],
  ])('refuses %s', async (_name, tamper, code) => {
    expect(await verifyPartnerCard(tamper(card), NOW)).toMatchObject({ ok: false, code });
  });

  it('refuses a card signed by another key than the one it carries (a bad self-signature)', async () => {
    const forged = await makePartnerCard({ nodeId: 'nl-police', jurisdiction: 'NL', privateKey: deKey, armoredPublicKey: nl.armoredPublicKey, subjects, now: NOW });
    // The maker states the fingerprint of the signing key; make it claim nl-police's key instead.
    const claimed = { ...forged, card: { ...forged.card, fingerprint: nl.fingerprint } };
    expect(await verifyPartnerCard(claimed, NOW)).toMatchObject({ ok: false, code: 'CARD_SIGNATURE_INVALID' });
  });

  it('refuses an expired card and one issued in the future', async () => {
    expect(await verifyPartnerCard(card, new Date('2027-11-29T00:00:00.000Z'))).toMatchObject({ ok: false, code: 'CARD_EXPIRED' });
    expect(await verifyPartnerCard(card, new Date('2026-11-27T00:00:00.000Z'))).toMatchObject({ ok: false, code: 'CARD_NOT_YET_VALID' });
  });
});
