/** How this node connects to NATS (FederationModule.forRoot and `new NatsConnection(...)`). */
export interface FederationOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  natsUrl: string | string[];
  /** Client name shown by the server (the node id). */
  name: string;
  /** How long a publish or JetStream API call may take before it fails with NATS_UNAVAILABLE (ms, default 5 000). */
  requestTimeoutMs?: number;
  /** Pause between reconnect attempts (ms, default 1 000); attempts never stop. */
  reconnectTimeWaitMs?: number;
  /** Client ping interval (ms, default 20 000): bounds how long a silently dead server goes unnoticed. */
  pingIntervalMs?: number;
  /** Optional user/password authentication. */
  user?: string;
  /** Password for `user`. */
  pass?: string;
  /** Optional token authentication. */
  token?: string;
  /** NKey seed (`SU…`) for nkey authentication (deploy/nats configs give each node one user). */
  nkeySeed?: string;
  /**
   * Prefix of this client's reply inboxes, e.g. `_INBOX.nl-police`: pulled messages are delivered to
   * the puller's inbox, so servers that isolate nodes grant each only its own prefix (default `_INBOX`).
   */
  inboxPrefix?: string;
}

/** Connection state as health reports it. */
export type NatsState = 'connecting' | 'connected' | 'disconnected' | 'reconnecting' | 'closed';

/** What health() reports about the broker. */
export interface NatsHealth {
  /** True only while a server connection is up. */
  connected: boolean;
  /** Finer state: a lost connection shows as disconnected, then reconnecting. */
  state: NatsState;
  /** The server last connected to, e.g. 127.0.0.1:4222. */
  server?: string;
  /** How many times the client reconnected since start. */
  reconnects: number;
  /** Last error seen (connect failure, server error, close reason). */
  lastError?: string;
  /** When the current state began (ISO 8601). */
  since: string;
  /** This node's streams it cannot use yet and why, e.g. STREAM_NOT_PROVISIONED (absent when all are fine). */
  streams?: Array<{ stream: string; error: string }>;
}

/** One bundle to publish on a chain. */
export interface FeedPublishInput {
  /** Node id of the publisher (owner of the stream). */
  publisher: string;
  /** Node id of the recipient, or `all`. */
  audience: string;
  /** Lower-case hex SHA-256 of the canonical bytes; also the Nats-Msg-Id (dedupe key). */
  hash: string;
  /** Canonical bytes (or the encrypted message containing them). */
  payload: Uint8Array;
  /** Lower-case hex fingerprint of the signing key. */
  signerFingerprint: string;
  /** Binary OpenPGP detached signature; sent base64-encoded. */
  signature: Uint8Array;
  /** Fingerprint of the key the payload is encrypted to (header Palermo-Encrypted); absent = canonical bytes in clear. */
  encryptedTo?: string;
}

/** Where a published bundle landed. */
export interface FeedPublishResult {
  /** Stream the message is stored in. */
  stream: string;
  /** Stream sequence (of the original message when this was a duplicate). */
  streamSeq: number;
  /** True when JetStream already had this hash within the duplicate window (nothing new stored). */
  duplicate: boolean;
}

/** A feed message as the subscriber's handler sees it. */
export interface FeedMessage {
  /** Publisher node id (from the subject). */
  publisher: string;
  /** Audience of the chain: the subscriber's node id or `all`. */
  audience: string;
  /** Full NATS subject. */
  subject: string;
  /** Message payload (canonical bytes or encrypted message). */
  payload: Uint8Array;
  /** Message headers (Nats-Msg-Id, Palermo-Hash, Palermo-Signer, Palermo-Signature, …), first value per name. */
  headers: Record<string, string>;
  /** Sequence in the publisher's stream. */
  streamSeq: number;
  /** True when JetStream delivered this message before (handler must be idempotent; the importer is, by hash). */
  redelivered: boolean;
  /** How many times it has been delivered, this time included. */
  deliveryCount: number;
}

/** Handler verdict: 'ack' = done (committed), 'retry' = deliver again later. */
export type FeedVerdict = 'ack' | 'retry';

/** Processes one message; throwing counts as 'retry'. */
export type FeedHandler = (msg: FeedMessage) => Promise<FeedVerdict> | FeedVerdict;

/** Which chain an error or status belongs to. */
export interface ChainRef {
  /** Publisher node id. */
  publisher: string;
  /** Chain audience (subscriber node id or `all`). */
  audience: string;
  /** Durable consumer name. */
  durable: string;
}

/** Options of FeedSubscriber.follow(). */
export interface FollowOptions {
  /** This node's id. */
  subscriber: string;
  /** Node id whose feeds to read. */
  publisher: string;
  /** Called for every message, strictly one at a time per chain, in stream order. */
  handler: FeedHandler;
  /** Consumer ack wait (ms, default 30 000): an unacked delivery comes again after this; long handlers are kept alive meanwhile. */
  ackWaitMs?: number;
  /** First nak delay after 'retry' (ms, default 1 000); doubles per delivery up to maxRetryDelayMs. */
  retryDelayMs?: number;
  /** Cap of the nak delay and of the reconnect/bind backoff (ms, default 30 000). */
  maxRetryDelayMs?: number;
  /** How long one pull request waits for a message (ms, default 10 000, min 1 000). */
  pullExpiresMs?: number;
  /** Told about every error the loop survives (default: Nest Logger warning). */
  onError?: (error: unknown, chain: ChainRef) => void;
}

/** Live state of one chain of a follow. */
export interface ChainStatus extends ChainRef {
  /** True once the durable consumer was created/bound. */
  bound: boolean;
  /** Messages acked by this follow. */
  acked: number;
  /** Stream sequence of the last acked message. */
  lastStreamSeq?: number;
  /** Last error the loop survived. */
  lastError?: string;
}

/** Handle returned by FeedSubscriber.follow(). */
export interface FeedFollow {
  /** Resolves once both durable consumers exist (it keeps retrying while the stream is missing or NATS is down). */
  readonly ready: Promise<void>;
  /** Stop pulling; waits for a running handler (its verdict is still sent once); idempotent. */
  stop(): Promise<void>;
  /** State of both chains. */
  status(): ChainStatus[];
}
