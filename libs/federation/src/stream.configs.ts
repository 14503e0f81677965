import { RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { DomainError } from '@palermo/indicators';
import { errorMessage, isStreamNotFound, isTransientNatsError, natsUnavailable } from './federation.errors';
import {
  assertNodeId,
  feedbackStreamName,
  feedbackStreamSubject,
  feedStreamName,
  feedStreamSubject,
  keyStreamName,
  keySubject,
  logCheckpointSubject,
  logStreamName,
  logWitnessStreamSubject,
  receiptStreamName,
  receiptStreamSubject,
} from './federation.subjects';

// The one place that says what a node's streams look like. The node's own ensure-stream code (single.conf, where a
// node may create its streams) and the operator's provisioner (`palermo nats provision`, the nkey configs, where it
// may not) both build their config here, so the two cannot drift.

/** JetStream's duplicate window for feeds: a re-publish of the same hash within it is acknowledged, not stored. */
export const FEED_DUPLICATE_WINDOW_MS = 120_000;
/** Receipts are kept this long in the publisher's stream (a publisher offline longer loses nothing it had read). */
const RECEIPT_MAX_AGE_MS = 90 * 86_400_000;
/** Checkpoints and countersignatures are kept this long in the publisher's log stream. */
const LOG_MAX_AGE_MS = 365 * 86_400_000;
/** A checkpoint or a countersignature is a few KiB; the stream refuses anything larger. */
const LOG_MAX_MSG_BYTES = 64 * 1024;
/** Feedback (sightings, disputes, disclosures) is kept this long in the recipient's stream. */
const FEEDBACK_MAX_AGE_MS = 90 * 86_400_000;
/** A feedback message is at most a few KiB (MAX_FEEDBACK_BYTES is 8 KiB); headroom for headers. */
const FEEDBACK_MAX_MSG_BYTES = 32 * 1024;
/** A key statement is small. */
const KEY_MAX_MSG_BYTES = 256 * 1024;

/** What a stream config may vary by deployment. */
export interface StreamConfigOptions {
  /** Replicas of the feed stream (1 on a single server; 3 in a cluster). */
  replicas?: number;
}

/** The kinds of stream each node owns. */
export type NodeStreamKind = 'feed' | 'receipts' | 'keys' | 'log' | 'feedback';

/** A node's stream config: exactly what libs/federation creates (JetStream fills the rest with defaults). */
export type NodeStreamConfig = Partial<StreamConfig> & { name: string; subjects: string[] };

/** `PALERMO_FEED_<P>`: the publisher's feeds (file storage, limits retention, 2 min duplicate window). */
export function feedStreamConfig(publisher: string, options: StreamConfigOptions = {}): NodeStreamConfig {
  return {
    name: feedStreamName(publisher),
    subjects: [feedStreamSubject(publisher)],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    duplicate_window: nanos(FEED_DUPLICATE_WINDOW_MS),
    num_replicas: options.replicas ?? 1,
  } satisfies Partial<StreamConfig>;
}

/** `PALERMO_RECEIPTS_<P>`: receipts about P's bundles (file storage, 90 days, 2 min duplicate window). */
export function receiptStreamConfig(publisher: string): NodeStreamConfig {
  return {
    name: receiptStreamName(publisher),
    subjects: [receiptStreamSubject(publisher)],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: nanos(RECEIPT_MAX_AGE_MS),
    duplicate_window: nanos(FEED_DUPLICATE_WINDOW_MS),
  } satisfies Partial<StreamConfig>;
}

/** `PALERMO_KEYS_<P>`: P's key statements (file storage, no age limit, 2 min duplicate window). */
export function keyStreamConfig(publisher: string): NodeStreamConfig {
  return {
    name: keyStreamName(publisher),
    subjects: [keySubject(publisher)],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_msg_size: KEY_MAX_MSG_BYTES,
    duplicate_window: nanos(FEED_DUPLICATE_WINDOW_MS),
  } satisfies Partial<StreamConfig>;
}

/** `PALERMO_LOG_<P>`: P's checkpoints and their countersignatures (file storage, a year, 2 min duplicate window). */
export function logStreamConfig(publisher: string): NodeStreamConfig {
  return {
    name: logStreamName(publisher),
    subjects: [logCheckpointSubject(publisher), logWitnessStreamSubject(publisher)],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: nanos(LOG_MAX_AGE_MS),
    max_msg_size: LOG_MAX_MSG_BYTES,
    duplicate_window: nanos(FEED_DUPLICATE_WINDOW_MS),
  } satisfies Partial<StreamConfig>;
}

/** `PALERMO_FEEDBACK_<N>`: feedback addressed to N from its partners (file storage, 90 days, 2 min duplicate window). */
export function feedbackStreamConfig(recipient: string): NodeStreamConfig {
  return {
    name: feedbackStreamName(recipient),
    subjects: [feedbackStreamSubject(recipient)],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: nanos(FEEDBACK_MAX_AGE_MS),
    max_msg_size: FEEDBACK_MAX_MSG_BYTES,
    duplicate_window: nanos(FEED_DUPLICATE_WINDOW_MS),
  } satisfies Partial<StreamConfig>;
}

/** The five streams of one node, in the order the provisioner creates them. */
export function nodeStreamConfigs(nodeId: string, options: StreamConfigOptions = {}): Array<{ kind: NodeStreamKind; config: NodeStreamConfig }> {
  assertNodeId(nodeId, 'node');
  return [
    { kind: 'feed', config: feedStreamConfig(nodeId, options) },
    { kind: 'receipts', config: receiptStreamConfig(nodeId) },
    { kind: 'keys', config: keyStreamConfig(nodeId) },
    { kind: 'log', config: logStreamConfig(nodeId) },
    { kind: 'feedback', config: feedbackStreamConfig(nodeId) },
  ];
}

/** Code of the error a node reports while one of its streams is missing and it may not create it. */
export const STREAM_NOT_PROVISIONED = 'STREAM_NOT_PROVISIONED';

/** True when the server refused a request for lack of permission (nats.js 3.x PermissionViolationError). */
export function isPermissionViolation(err: unknown): boolean {
  return err instanceof Error && (err.name === 'PermissionViolationError' || /permissions violation/i.test(err.message));
}

/** Where a node's ensure-stream call left a stream. */
export interface EnsureStreamResult {
  subjects: string[];
  created: boolean;
}

/**
 * A node's own ensure-stream: when the stream exists, use it (STREAM.INFO only; its subjects must include ours,
 * else `conflictCode`); when it is missing, create it with `config` — which a node may do only without
 * authentication (single.conf). Under the nkey configs the server refuses the create: STREAM_NOT_PROVISIONED,
 * naming the stream, for the caller to retry and show in /health.
 */
export async function ensureNodeStream(jsm: JetStreamManager, config: NodeStreamConfig, conflictCode: string): Promise<EnsureStreamResult> {
  const name = config.name;
  const current = await currentConfig(jsm, name);
  if (current) {
    const subjects = current.subjects ?? [];
    const missing = config.subjects.filter((s) => !subjects.includes(s));
    if (missing.length > 0) throw new DomainError(conflictCode, `stream ${name} exists but does not capture ${missing.join(', ')}`, { subjects });
    return { subjects, created: false };
  }
  try {
    const info = await jsm.streams.add(config);
    return { subjects: info.config.subjects ?? config.subjects, created: true };
  } catch (err) {
    if (isPermissionViolation(err)) throw notProvisioned(name, err);
    throw streamError(err, `creating stream ${name}`);
  }
}

/** STREAM_NOT_PROVISIONED for `stream`: it must be created by the operator. */
export function notProvisioned(stream: string, cause?: unknown): DomainError {
  return new DomainError(
    STREAM_NOT_PROVISIONED,
    `stream ${stream} does not exist and this node may not create it: it must be provisioned by the NATS operator (palermo nats provision --node <id>)`,
    { stream, ...(cause === undefined ? {} : { cause: errorMessage(cause) }) },
  );
}

/** The stream's config (STREAM.INFO), or null when it does not exist. */
async function currentConfig(jsm: JetStreamManager, stream: string): Promise<Partial<StreamConfig> | null> {
  try {
    return (await jsm.streams.info(stream)).config;
  } catch (err) {
    if (!isStreamNotFound(err)) throw streamError(err, `looking up stream ${stream}`);
    return null;
  }
}

function streamError(err: unknown, action: string): unknown {
  if (err instanceof DomainError) return err;
  if (isTransientNatsError(err)) return natsUnavailable(`NATS unavailable while ${action}`, err);
  if (err instanceof Error && (err.name.endsWith('ApiError') || isPermissionViolation(err))) {
    return new DomainError('FEED_PUBLISH_REJECTED', `JetStream refused ${action}: ${err.message}`, { cause: errorMessage(err) });
  }
  return err;
}

/** What the provisioner did to one stream. */
export interface ProvisionedStream {
  node: string;
  kind: NodeStreamKind;
  stream: string;
  action: 'created' | 'updated' | 'unchanged';
}

/**
 * The operator's provisioner (`palermo nats provision`, and every test harness on the nkey configs): creates each
 * node's five streams with exactly the config above, or brings an existing one back to it (subjects, limits, sources
 * dropped). A stream with republish or a mirror (which 2.9.10 cannot update away) is STREAM_CONFIG_FOREIGN: an
 * administrator deletes it first. Needs STREAM.CREATE|UPDATE|INFO only.
 */
export async function provisionNodeStreams(jsm: JetStreamManager, nodeIds: readonly string[], options: StreamConfigOptions = {}): Promise<ProvisionedStream[]> {
  const done: ProvisionedStream[] = [];
  for (const node of nodeIds) {
    for (const { kind, config } of nodeStreamConfigs(node, options)) {
      const stream = config.name;
      const current = await currentConfig(jsm, stream);
      if (!current) {
        await jsm.streams.add(config).catch((err: unknown) => Promise.reject(streamError(err, `creating stream ${stream}`)));
        done.push({ node, kind, stream, action: 'created' });
      } else if (current.republish || current.mirror) {
        // nats-server 2.9.10 cannot update either away ("can not change RePublish"); the operator may not delete.
        throw new DomainError('STREAM_CONFIG_FOREIGN', `stream ${stream} has ${current.republish ? 'republish' : 'a mirror'}, which the server cannot update away: a NATS administrator must delete it, then provision again`, { stream });
      } else if (differs(current, config)) {
        const update = { ...config, sources: undefined } as Partial<StreamConfig>;
        await jsm.streams.update(stream, update).catch((err: unknown) => Promise.reject(streamError(err, `updating stream ${stream}`)));
        done.push({ node, kind, stream, action: 'updated' });
      } else {
        done.push({ node, kind, stream, action: 'unchanged' });
      }
    }
  }
  return done;
}

function differs(current: Partial<StreamConfig>, wanted: NodeStreamConfig): boolean {
  if ((current.sources?.length ?? 0) > 0) return true;
  return (Object.keys(wanted) as Array<keyof NodeStreamConfig>).some((key) => JSON.stringify(current[key]) !== JSON.stringify(wanted[key]));
}
