// Helpers shared by this lib's integration specs (not exported from index.ts).
import { createHash, randomBytes } from 'node:crypto';
import type { FeedMessage, FeedPublishInput } from './federation.types';

/** A stand-in bundle: distinct payload, its real SHA-256, a random "signature". */
export function fakeBundle(publisher: string, audience: string, label: string): FeedPublishInput {
  const payload = new TextEncoder().encode(JSON.stringify({ publisher, audience, label, nonce: randomBytes(8).toString('hex') }));
  return {
    publisher,
    audience,
    hash: createHash('sha256').update(payload).digest('hex'),
    payload,
    signerFingerprint: randomBytes(20).toString('hex'),
    signature: randomBytes(64),
  };
}

/** The label a fakeBundle carried. */
export function labelOf(msg: FeedMessage): string {
  return (JSON.parse(new TextDecoder().decode(msg.payload)) as { label: string }).label;
}

/** Poll `check` until it returns true (or throw with `what` after `timeoutMs`). */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Promise-based sleep. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Distinct values in order of first appearance. */
export function firstSeenOrder<T>(values: T[]): T[] {
  return values.filter((value, index) => values.indexOf(value) === index);
}
