// Test data shared by the STIX specs (not exported from index.ts).
import type { WireIndicator } from '@palermo/indicators';

/** Already-normalized values: every indicator type, every chain, both image-hash algorithms. */
export const STIX_SAMPLE_VALUES: readonly Pick<WireIndicator, 'type' | 'value' | 'platform' | 'chain'>[] = [
  { type: 'phone', value: '+31612345678' },
  { type: 'email', value: 'recruiter@example.org' },
  { type: 'username', value: "o'brien_jobs\\x", platform: 'telegram' },
  { type: 'url', value: "http://example.org/ads/it's/123" },
  { type: 'domain', value: 'xn--bcher-kva.example' },
  { type: 'ip', value: '192.0.2.10' },
  { type: 'ip', value: '2001:db8::1' },
  { type: 'crypto-wallet', value: '0x52908400098527886e0f7030069857d2e4169ee7', chain: 'eth' },
  { type: 'crypto-wallet', value: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', chain: 'btc' },
  { type: 'crypto-wallet', value: '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', chain: 'btc' },
  { type: 'crypto-wallet', value: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', chain: 'trx' },
  { type: 'iban', value: 'NL91ABNA0417164300' },
  { type: 'keyword', value: "new in town 🌹 'vip'" },
  { type: 'text-fingerprint', value: 'simhash64:0123456789abcdef' },
  { type: 'image-hash', value: `pdq:${'f'.repeat(32)}${'0'.repeat(32)}` },
  { type: 'image-hash', value: 'phash:d1d1d1d1c0c0c0c0' },
  { type: 'file-sha256', value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
];

/** A valid wire indicator (override any field); the id is a fixed uuid v7 of 2025-01-01. */
export function sampleIndicator(overrides: Partial<WireIndicator> = {}): WireIndicator {
  return {
    id: '01942220-5000-7000-8000-000000000001',
    origin: 'nl-police',
    version: 3,
    ...STIX_SAMPLE_VALUES[0],
    tlp: 'green',
    confidence: 80,
    tags: ['ht:recruitment', 'ht:sexual-exploitation'],
    firstSeen: '2025-01-02T03:04:05.006Z',
    lastSeen: '2025-02-02T03:04:05.006Z',
    validUntil: '2026-01-01T00:00:00.000Z',
    description: 'Seen in "model job" ads\nwith a line break',
    modifiedAt: '2025-02-03T00:00:00.000Z',
    ...overrides,
  };
}
