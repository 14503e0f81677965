import { COMMUNITY_AUDIENCE, DomainError, isNodeId } from '@palermo/indicators';

// The only place that spells NATS subjects and JetStream names (DESIGN.md "Wire protocol v1").
// Every part is validated first: a node id is used inside subjects, and a '.', '*' or '>' there
// would address somebody else's feed.

const PREFIX = 'palermo.v1';

/** Throws INVALID_NODE_ID unless `nodeId` is a node id (the audience `all` is not one). */
export function assertNodeId(nodeId: string, role = 'node id'): void {
  if (typeof nodeId !== 'string' || !isNodeId(nodeId)) {
    throw new DomainError('INVALID_NODE_ID', `${role} "${String(nodeId)}" is not a node id (^[a-z][a-z0-9-]{1,31}$, not "all")`);
  }
}

/** Throws INVALID_AUDIENCE unless `audience` is a node id or the community audience `all`. */
export function assertAudience(audience: string): void {
  if (audience !== COMMUNITY_AUDIENCE && (typeof audience !== 'string' || !isNodeId(audience))) {
    throw new DomainError('INVALID_AUDIENCE', `audience "${String(audience)}" is neither a node id nor "${COMMUNITY_AUDIENCE}"`);
  }
}

/** Subject of one chain: `palermo.v1.feed.<publisher>.<audience>`. */
export function feedSubject(publisher: string, audience: string): string {
  assertNodeId(publisher, 'publisher');
  assertAudience(audience);
  return `${PREFIX}.feed.${publisher}.${audience}`;
}

/** All feed subjects of one publisher (its stream's subject filter): `palermo.v1.feed.<publisher>.>`. */
export function feedStreamSubject(publisher: string): string {
  assertNodeId(publisher, 'publisher');
  return `${PREFIX}.feed.${publisher}.>`;
}

/** Stream holding a publisher's feeds: `PALERMO_FEED_<PUBLISHER>` with '-' → '_'. */
export function feedStreamName(publisher: string): string {
  assertNodeId(publisher, 'publisher');
  return `PALERMO_FEED_${publisher.toUpperCase().replace(/-/g, '_')}`;
}

/** Durable consumer through which `subscriber` reads one chain: `<subscriber>_<audience>` ('_' never occurs in node ids). */
export function feedConsumerName(subscriber: string, audience: string): string {
  assertNodeId(subscriber, 'subscriber');
  assertAudience(audience);
  return `${subscriber}_${audience}`;
}

/** The chains addressed to `subscriber`: its own audience, then the community audience. */
export function audiencesFor(subscriber: string): [string, string] {
  assertNodeId(subscriber, 'subscriber');
  return [subscriber, COMMUNITY_AUDIENCE];
}

/** Subject of signed receipts sent back to a publisher: `palermo.v1.receipt.<publisher>.<recipient>`. */
export function receiptSubject(publisher: string, recipient: string): string {
  assertNodeId(publisher, 'publisher');
  assertNodeId(recipient, 'recipient');
  return `${PREFIX}.receipt.${publisher}.${recipient}`;
}

/** Subjects of the receipts about one publisher's bundles, from any recipient: `palermo.v1.receipt.<publisher>.*`. */
export function receiptStreamSubject(publisher: string): string {
  assertNodeId(publisher, 'publisher');
  return `${PREFIX}.receipt.${publisher}.*`;
}

/** Stream holding the receipts about a publisher's bundles, owned by that publisher: `PALERMO_RECEIPTS_<PUBLISHER>`. */
export function receiptStreamName(publisher: string): string {
  assertNodeId(publisher, 'publisher');
  return `PALERMO_RECEIPTS_${publisher.toUpperCase().replace(/-/g, '_')}`;
}

/** Durable consumer through which a publisher reads the receipts about its bundles: `<publisher>_receipts`. */
export function receiptConsumerName(publisher: string): string {
  assertNodeId(publisher, 'publisher');
  return `${publisher}_receipts`;
}

/** Parse a receipt subject back into its publisher and recipient; null when it is not a valid v1 receipt subject. */
export function parseReceiptSubject(subject: string): { publisher: string; recipient: string } | null {
  const parts = subject.split('.');
  if (parts.length !== 5 || `${parts[0]}.${parts[1]}` !== PREFIX || parts[2] !== 'receipt') return null;
  const [, , , publisher, recipient] = parts;
  if (!isNodeId(publisher) || !isNodeId(recipient)) return null;
  return { publisher, recipient };
}

/** Subject on which a node answers hit/no-hit lookups: `palermo.v1.lookup.<responder>`. */
export function lookupSubject(responder: string): string {
  assertNodeId(responder, 'responder');
  return `${PREFIX}.lookup.${responder}`;
}

/** What a node states on its partner card: its feed streams, the receipts about its bundles, its lookups. */
export function nodeSubjects(nodeId: string): { feed: string; receipts: string; lookups: string } {
  assertNodeId(nodeId);
  return { feed: feedStreamSubject(nodeId), receipts: `${PREFIX}.receipt.${nodeId}.>`, lookups: lookupSubject(nodeId) };
}

/** Parse a feed subject back into its publisher and audience; null when it is not a valid v1 feed subject. */
export function parseFeedSubject(subject: string): { publisher: string; audience: string } | null {
  const parts = subject.split('.');
  if (parts.length !== 5 || `${parts[0]}.${parts[1]}` !== PREFIX || parts[2] !== 'feed') return null;
  const [, , , publisher, audience] = parts;
  if (!isNodeId(publisher) || !(audience === COMMUNITY_AUDIENCE || isNodeId(audience))) return null;
  return { publisher, audience };
}

/** Subject on which a publisher answers resync requests for its chains: `palermo.v1.resync.<publisher>`. */
export function resyncSubject(publisher: string): string {
  assertNodeId(publisher, 'publisher');
  return `${PREFIX}.resync.${publisher}`;
}

/** Prefix of a node's reply inboxes, `_INBOX.<node id>`: its NATS user may read only these (deploy/nats). */
export function nodeInboxPrefix(nodeId: string): string {
  assertNodeId(nodeId);
  return `_INBOX.${nodeId}`;
}

// Verifiable feed log (issue 4 item 6): `palermo.v1.log.<publisher>.>` — the publisher's signed
// checkpoints and the witnesses' countersignatures in its stream PALERMO_LOG_<P>, and proofs by
// request-reply (not in the stream).

/** Subject of a publisher's signed checkpoints: `palermo.v1.log.<publisher>.checkpoint`. */
export function logCheckpointSubject(publisher: string): string {
  assertNodeId(publisher, 'publisher');
  return `${PREFIX}.log.${publisher}.checkpoint`;
}

/** Subject on which `witness` sends its countersignatures of `publisher`'s checkpoints: `palermo.v1.log.<publisher>.witness.<witness>`. */
export function logWitnessSubject(publisher: string, witness: string): string {
  assertNodeId(publisher, 'publisher');
  assertNodeId(witness, 'witness');
  return `${PREFIX}.log.${publisher}.witness.${witness}`;
}

/** Countersignatures of a publisher's checkpoints from any witness: `palermo.v1.log.<publisher>.witness.*`. */
export function logWitnessStreamSubject(publisher: string): string {
  assertNodeId(publisher, 'publisher');
  return `${PREFIX}.log.${publisher}.witness.*`;
}

/** Subject on which a publisher answers inclusion and consistency proof requests: `palermo.v1.log.<publisher>.proof`. */
export function logProofSubject(publisher: string): string {
  assertNodeId(publisher, 'publisher');
  return `${PREFIX}.log.${publisher}.proof`;
}

/** Stream of a publisher's checkpoints and their countersignatures, owned by that publisher: `PALERMO_LOG_<PUBLISHER>`. */
export function logStreamName(publisher: string): string {
  assertNodeId(publisher, 'publisher');
  return `PALERMO_LOG_${publisher.toUpperCase().replace(/-/g, '_')}`;
}

/** Durable through which `witness` reads a publisher's checkpoints (one per publisher stream): `<witness>_log`. */
export function logCheckpointConsumerName(witness: string): string {
  assertNodeId(witness, 'witness');
  return `${witness}_log`;
}

/** Durable through which a publisher reads the countersignatures of its checkpoints: `<publisher>_witnesses`. */
export function logWitnessConsumerName(publisher: string): string {
  assertNodeId(publisher, 'publisher');
  return `${publisher}_witnesses`;
}

/** Parse a witness subject back into publisher and witness; null when it is not a valid v1 witness subject. */
export function parseLogWitnessSubject(subject: string): { publisher: string; witness: string } | null {
  const parts = subject.split('.');
  if (parts.length !== 6 || `${parts[0]}.${parts[1]}` !== PREFIX || parts[2] !== 'log' || parts[4] !== 'witness') return null;
  const [, , , publisher, , witness] = parts;
  if (!isNodeId(publisher) || !isNodeId(witness)) return null;
  return { publisher, witness };
}

/** Subject of a node's key statements (rotations, revocations): `palermo.v1.key.<publisher>`. */
export function keySubject(publisher: string): string {
  assertNodeId(publisher, 'publisher');
  return `${PREFIX}.key.${publisher}`;
}

/** Stream holding a node's key statements, owned by that node: `PALERMO_KEYS_<PUBLISHER>`. */
export function keyStreamName(publisher: string): string {
  assertNodeId(publisher, 'publisher');
  return `PALERMO_KEYS_${publisher.toUpperCase().replace(/-/g, '_')}`;
}

/** Durable consumer through which `subscriber` reads a partner's key statements: `<subscriber>_keys`. */
export function keyConsumerName(subscriber: string): string {
  assertNodeId(subscriber, 'subscriber');
  return `${subscriber}_keys`;
}

/** Parse a key subject back into its publisher; null when it is not a valid v1 key subject. */
export function parseKeySubject(subject: string): { publisher: string } | null {
  const parts = subject.split('.');
  if (parts.length !== 4 || `${parts[0]}.${parts[1]}` !== PREFIX || parts[2] !== 'key') return null;
  return isNodeId(parts[3]!) ? { publisher: parts[3]! } : null;
}

// Feedback (issue 5 items 3 and 5): sightings, disputes and their resolutions, disclosure requests
// and decisions. Each node owns a stream of the feedback addressed to it; a sender S publishes only
// on `palermo.v1.feedback.<to>.<S>` (the server lets S publish only there).

/** Subject of feedback from `from` to `to`: `palermo.v1.feedback.<to>.<from>`. */
export function feedbackSubject(to: string, from: string): string {
  assertNodeId(to, 'recipient');
  assertNodeId(from, 'sender');
  return `${PREFIX}.feedback.${to}.${from}`;
}

/** Subjects of the feedback addressed to `to`, from any sender: `palermo.v1.feedback.<to>.*`. */
export function feedbackStreamSubject(to: string): string {
  assertNodeId(to, 'recipient');
  return `${PREFIX}.feedback.${to}.*`;
}

/** Stream holding the feedback addressed to a node, owned by that node: `PALERMO_FEEDBACK_<NODE>`. */
export function feedbackStreamName(to: string): string {
  assertNodeId(to, 'recipient');
  return `PALERMO_FEEDBACK_${to.toUpperCase().replace(/-/g, '_')}`;
}

/** Durable consumer through which a node reads the feedback addressed to it: `<node>_feedback`. */
export function feedbackConsumerName(to: string): string {
  assertNodeId(to, 'recipient');
  return `${to}_feedback`;
}

/** Parse a feedback subject back into recipient and sender; null when it is not a valid v1 feedback subject. */
export function parseFeedbackSubject(subject: string): { to: string; from: string } | null {
  const parts = subject.split('.');
  if (parts.length !== 5 || `${parts[0]}.${parts[1]}` !== PREFIX || parts[2] !== 'feedback') return null;
  const [, , , to, from] = parts;
  if (!isNodeId(to) || !isNodeId(from)) return null;
  return { to, from };
}
