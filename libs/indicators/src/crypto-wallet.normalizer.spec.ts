import { sha256 } from '@noble/hashes/sha2';
import { createBase58check } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { normalizeValue } from './value.normalizer';

const base58check = createBase58check(sha256);
/** A syntactically valid address built from a version byte and 20 bytes of hash (for chains without a famous one). */
const built = (version: number, fill: number) => base58check.encode(Uint8Array.from([version, ...new Array(20).fill(fill)]));

describe('crypto-wallet normalization', () => {
  it.each([
    // Bitcoin: genesis P2PKH, BIP-16 P2SH, BIP-173 / BIP-350 vectors.
    ['btc', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa'],
    ['btc', '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy'],
    ['btc', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'],
    ['btc', 'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'], // upper-case is valid bech32
    ['btc', 'bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3', 'bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3'], // P2WSH
    ['btc', 'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0', 'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0'], // taproot, bech32m
    ['btc', 'BC1SW50QGDZ25J', 'bc1sw50qgdz25j'], // witness v16, 2-byte program
    ['btc', 'bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs', 'bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs'], // witness v2
    // Ethereum: EIP-55 test vectors; mixed case verified, output lower-case.
    ['eth', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed'],
    ['eth', '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359', '0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359'],
    ['eth', '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB', '0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb'],
    ['eth', '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb', '0xd1220a0cf47c7b9be7a2e6ba89f429762e7b9adb'],
    ['eth', '0x52908400098527886e0f7030069857d2e4169ee7', '0x52908400098527886e0f7030069857d2e4169ee7'], // all lower: no checksum
    ['eth', '0X8617E340B3D01FA5F11F306F4090FD50E238070D', '0x8617e340b3d01fa5f11f306f4090fd50e238070d'], // all upper: no checksum
    // Tron: the USDT (TRC-20) contract address, and its hex form.
    ['trx', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t'],
    // Litecoin: constructed L… (0x30) and M… (0x32) addresses.
    ['ltc', built(0x30, 7), built(0x30, 7)],
    ['ltc', built(0x32, 7), built(0x32, 7)],
  ])('%s %j → %j', (chain, raw, expected) => {
    expect(normalizeValue('crypto-wallet', raw, { chain })).toEqual({ ok: true, value: expected });
  });

  it('reads a Tron hex address (41…) as its base58check spelling', () => {
    const payload = base58check.decode('TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t');
    const hexForm = Buffer.from(payload).toString('hex').toUpperCase();
    expect(hexForm.startsWith('41')).toBe(true);
    expect(normalizeValue('crypto-wallet', hexForm, { chain: 'trx' })).toEqual({ ok: true, value: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t' });
  });

  it.each([
    ['btc', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb', 'WALLET_CHECKSUM_INVALID'], // last character changed
    ['btc', '1A1zP1eP5QGefi2DMPTfTL5SLmv7Divf0a', 'WALLET_INVALID'], // "0" is not base58
    ['btc', 'bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'WALLET_INVALID'], // mixed case
    ['btc', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', 'WALLET_CHECKSUM_INVALID'],
    ['btc', 'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd', 'WALLET_CHECKSUM_INVALID'], // v1 with bech32 (BIP-350)
    ['btc', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh', 'WALLET_CHECKSUM_INVALID'], // v0 with bech32m
    ['btc', 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', 'WALLET_TESTNET_NOT_ACCEPTED'],
    ['btc', built(0x6f, 1), 'WALLET_TESTNET_NOT_ACCEPTED'],
    ['btc', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', 'WALLET_INVALID'], // a Tron address is not Bitcoin
    ['btc', 'ltc1qg82tgqhxgqmv7jj6fn9kdr6l0xp9d5ffp3pgsy', 'WALLET_INVALID'], // a Litecoin address is not Bitcoin
    ['btc', '1'.repeat(200), 'WALLET_INVALID'],
    ['eth', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD', 'WALLET_CHECKSUM_INVALID'], // one letter's case flipped
    ['eth', '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae', 'WALLET_INVALID'], // 39 hex digits
    ['eth', '5aaeb6053f3e94c9b9a09f33669435e7ef1beaed', 'WALLET_INVALID'], // no 0x
    ['eth', '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg', 'WALLET_INVALID'],
    ['trx', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6T', 'WALLET_CHECKSUM_INVALID'],
    ['trx', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'WALLET_INVALID'], // valid base58check, wrong prefix
    ['ltc', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'WALLET_INVALID'],
    ['doge', 'DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L', 'WALLET_CHAIN_UNSUPPORTED'],
    [undefined, '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'WALLET_CHAIN_REQUIRED'],
    ['btc', '1A1zP1eP5QGefi2DMP\u200FTfTL5SLmv7DivfNa', 'VALUE_BIDI_CONTROL'],
  ])('%s %j → %s', (chain, raw, code) => {
    expect(normalizeValue('crypto-wallet', raw, { chain })).toMatchObject({ ok: false, code });
  });
});
