import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { errors, nkeyAuthenticator, nkeys, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';

// Tests outside libs/federation may not import the NATS client (.dependency-cruiser.js), yet deploy tests must
// speak to a server as a given nkey user with the real client. This hands them that client, nothing more.

/** Options for {@link connectNatsUser}. */
export interface NatsUserOptions {
  /** Server URL(s). */
  servers: string | string[];
  /** The user's nkey seed (`SU...`); none = connect without credentials. */
  seed?: string;
  /** User and password instead of an nkey (e.g. to show that a leaf's credentials do not work as a client). */
  user?: string;
  pass?: string;
  /** Inbox prefix; Palermo's deploy configs let node N subscribe only to `_INBOX.<N>.>`. */
  inboxPrefix?: string;
  /** Client name shown by the server. */
  name?: string;
  /** Timeout of JetStream API calls and publishes, in ms (default 5 000). */
  timeoutMs?: number;
}

/** A connected NATS user: the real client, its JetStream client and manager, and what the server refused. */
export interface NatsUser {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Permission violations the server reported on this connection so far (publish and subscription). */
  readonly violations: ReadonlyArray<{ operation: string; subject: string }>;
  /** Resolves once the server reported a violation for `subject` (and `operation`, if given); rejects after `timeoutMs`. */
  violation(subject: string, operation?: 'publish' | 'subscription', timeoutMs?: number): Promise<{ operation: string; subject: string }>;
  /** Drain and close. */
  close(): Promise<void>;
}

/** Connect as one nkey user (no reconnect: a refused connect rejects at once with the server's reason). */
export async function connectNatsUser(options: NatsUserOptions): Promise<NatsUser> {
  const timeout = options.timeoutMs ?? 5_000;
  const nc = await connect({
    servers: options.servers,
    name: options.name,
    inboxPrefix: options.inboxPrefix,
    authenticator: options.seed === undefined ? undefined : nkeyAuthenticator(new TextEncoder().encode(options.seed)),
    user: options.user,
    pass: options.pass,
    reconnect: false,
    timeout,
  });
  const violations: Array<{ operation: string; subject: string }> = [];
  const waiters = new Set<() => void>();
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'error' && status.error instanceof errors.PermissionViolationError) {
        violations.push({ operation: status.error.operation, subject: status.error.subject });
        for (const wake of waiters) wake();
      }
    }
  })();
  const violation = (subject: string, operation?: 'publish' | 'subscription', waitMs = timeout): Promise<{ operation: string; subject: string }> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = violations.find((v) => v.subject === subject && (operation === undefined || v.operation === operation));
        if (!found) return;
        done();
        resolve(found);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${operation ?? ''} permission violation for "${subject}" within ${waitMs} ms (seen: ${JSON.stringify(violations)})`));
      }, waitMs);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return {
    nc,
    js: jetstream(nc, { timeout }),
    // A restricted user may not call $JS.API.INFO, so skip the account probe (as libs/federation does).
    jsm: await jetstreamManager(nc, { timeout, checkAPI: false }),
    violations,
    violation,
    close: async () => {
      if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
    },
  };
}

/** The public key (`U...`) of an nkey user seed (`SU...`). */
export function nkeyPublicKey(seed: string): string {
  return nkeys.fromSeed(new TextEncoder().encode(seed)).getPublicKey();
}
