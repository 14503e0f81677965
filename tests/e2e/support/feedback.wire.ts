import { createHash } from 'node:crypto';
import { encryptBundle, fingerprintOf, signFeedback, type FeedbackMessage, type NodePrivateKey, type NodePublicKey } from '@palermo/bundles';
import { feedbackStreamName, feedbackSubject } from '@palermo/federation';
import type { TestNode } from './federation.harness';
import { listAll } from './hostile.node-io';
import type { RawNatsClient } from './hostile.nats-wire';

// Feedback as a hostile (or replaying) party puts it on the wire: any message, signed with any key,
// on any sender's subject, with or without the JetStream dedupe id of the original.

/**
 * Signs `message` with `key` and publishes it on `palermo.v1.feedback.<to>.<subjectSender>`, encrypted to
 * `encryptTo` as every honest sender does (in clear without it: refused as FEEDBACK_NOT_ENCRYPTED once the
 * signature was checked). Returns the payload's SHA-256 (what the recipient's quarantine records).
 */
export async function injectFeedback(nats: RawNatsClient, to: string, subjectSender: string, message: FeedbackMessage, key: NodePrivateKey, options: { encryptTo?: NodePublicKey } = {}): Promise<string> {
  const signed = await signFeedback(message, key);
  const payload = options.encryptTo ? await encryptBundle(signed.bytes, options.encryptTo) : signed.bytes;
  await nats.publish(feedbackSubject(to, subjectSender), payload, {
    'Nats-Msg-Id': signed.hash,
    'Palermo-Hash': signed.hash,
    'Palermo-Signer': signed.signer,
    'Palermo-Signature': Buffer.from(signed.signature).toString('base64'),
    ...(options.encryptTo ? { 'Palermo-Encrypted': fingerprintOf(options.encryptTo) } : {}),
  });
  return createHash('sha256').update(payload).digest('hex');
}

/**
 * Publishes again, byte for byte (headers too, encrypted or not), the newest stored feedback message
 * from `from` to `to`, under a new Nats-Msg-Id so that JetStream's duplicate window does not drop it:
 * what a redelivery or a replay looks like to the recipient's handler. The SHA-256 of its payload.
 */
export async function replayNewestFeedback(nats: RawNatsClient, to: string, from: string): Promise<string> {
  const stored = await nats.streamMessages(feedbackStreamName(to));
  const original = stored.filter((m) => m.subject === feedbackSubject(to, from)).at(-1);
  if (!original) throw new Error(`no feedback from ${from} in ${feedbackStreamName(to)}`);
  const headers: Record<string, string> = {};
  for (const line of original.headers.split('\r\n').slice(1)) {
    const at = line.indexOf(':');
    if (at > 0) headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  headers['Nats-Msg-Id'] = `replay-${original.seq}-${Date.now()}`;
  await nats.publish(original.subject, original.data, headers);
  return createHash('sha256').update(original.data).digest('hex');
}

/** The node's quarantine record of a message (by payload SHA-256), or undefined. */
export async function quarantinedFeedback(node: TestNode, payloadSha256: string): Promise<{ code: string; message: string; subject: string } | undefined> {
  return (await listAll(node, '/quarantine', 'auditor')).find((q) => q.payloadSha256 === payloadSha256);
}
