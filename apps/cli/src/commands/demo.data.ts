import { textFingerprint } from '@palermo/indicators';

/**
 * The three demo jurisdictions: nl-police runs the default policy; de-bka and us-hsi run two of the
 * sample jurisdiction policies in deploy/policies (examples, not legal advice).
 */
export const DEMO_NODES = [
  { nodeId: 'nl-police', jurisdiction: 'NL', policy: null },
  { nodeId: 'de-bka', jurisdiction: 'DE', policy: 'eu-data-minimization.cedar' },
  { nodeId: 'us-hsi', jurisdiction: 'US', policy: 'no-red.cedar' },
] as const;

/**
 * The agreements each side drafts and a second officer approves. nl-police shares up to AMBER
 * with de-bka but only GREEN, and no bank or coded-language data, with us-hsi; de-bka keeps
 * personal identifiers only as pseudonyms (its side of the agreement says so).
 */
export const DEMO_AGREEMENTS = [
  { from: 'nl-police', partner: 'de-bka', terms: {} },
  {
    from: 'nl-police',
    partner: 'us-hsi',
    terms: { maxTlp: 'green', retentionDays: 730, types: ['phone', 'email', 'username', 'url', 'domain', 'ip', 'crypto-wallet', 'text-fingerprint', 'image-hash', 'file-sha256'] },
  },
  { from: 'de-bka', partner: 'nl-police', terms: { directions: ['import'], pseudonymize: ['phone', 'email', 'iban'], retentionDays: 365 } },
  { from: 'us-hsi', partner: 'nl-police', terms: { directions: ['import'], retentionDays: 730 } },
] as const;

/** What nl-police publishes in the demo: every type, several TLPs and confidences. */
export const DEMO_INDICATORS = [
  { type: 'phone', value: '06 12345678', tlp: 'green', confidence: 80, tags: ['ht:recruitment'], description: 'Number in fake modelling job ads' },
  { type: 'email', value: 'Recruit.Jobs@Example.NL', tlp: 'green', confidence: 70, tags: ['ht:recruitment'] },
  { type: 'username', platform: 'telegram', value: '@EasyWorkAmsterdam', tlp: 'amber', confidence: 75, tags: ['ht:labour'] },
  { type: 'url', value: 'HTTPS://Escort-Ads.example.com:443/listing?id=42#photos', tlp: 'clear', confidence: 90, tags: ['ht:sexual-exploitation'] },
  { type: 'domain', value: 'BÜCHER-jobs.example', tlp: 'green', confidence: 40, tags: ['ht:recruitment'] },
  { type: 'ip', value: '2001:0db8:0000:0000:0000:0000:0000:0042', tlp: 'green', confidence: 65, tags: [] },
  { type: 'crypto-wallet', chain: 'btc', value: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', tlp: 'amber', confidence: 85, tags: ['ht:payment'] },
  { type: 'iban', value: 'nl91 abna 0417 1643 00', tlp: 'amber', confidence: 90, tags: ['ht:payment'] },
  { type: 'keyword', value: 'ＮＥＷ  Girls  Daily', tlp: 'green', confidence: 55, tags: ['ht:new-arrival', 'ht:sexual-exploitation'] },
  {
    type: 'text-fingerprint',
    // What an analyst does with an ad: fingerprint its text (palermo fingerprint text …) and share the fingerprint.
    value: textFingerprint('New in town! Sweet young girl from abroad, available 24/7, discreet apartment near the station. Call or WhatsApp.'),
    tlp: 'green',
    confidence: 70,
    tags: ['ht:escort-ad', 'ht:multi-location-ad', 'ht:reused-text'],
    description: 'Same ad text posted in many cities',
  },
  { type: 'image-hash', value: 'PDQ:F8F8F0CEE0F4A84F06370A22038F63F0B36E2ED596621E1D33E6B39C4E9C9B22', tlp: 'amber', confidence: 80, tags: ['ht:escort-ad', 'ht:reused-images'] },
  { type: 'file-sha256', value: 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855', tlp: 'clear', confidence: 95, tags: [] },
  { type: 'phone', value: '+31 20 123 4567', tlp: 'red', confidence: 95, tags: ['ht:sexual-exploitation'], description: 'Victim contact: never leaves nl-police' },
] as const;
