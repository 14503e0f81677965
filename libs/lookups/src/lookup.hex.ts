// Wire encoding of every lookup byte string: lower-case hex, one spelling per value, like the bundle
// hashes of wire protocol v1. Hex costs 2× the bytes, but elements are 32 and outputs 64 bytes, and a
// single spelling lets a PRF output be a table key without re-encoding.

const HEX_BYTE = /^(?:[0-9a-f]{2})*$/;

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** Bytes of a lower-case hex string of exactly `length` bytes, or undefined for anything else (any type, any case). */
export function fromHex(text: unknown, length: number): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length !== length * 2 || !HEX_BYTE.test(text)) return undefined;
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** A lower-case hex pattern of exactly `length` bytes, for the wire schemas. */
export function hexPattern(length: number): RegExp {
  return new RegExp(`^[0-9a-f]{${length * 2}}$`);
}
