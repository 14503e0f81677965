import { jetstreamManager } from '@nats-io/jetstream';
import { nkeyAuthenticator } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { DomainError } from '@palermo/indicators';
import { isTransientNatsError, natsUnavailable } from './federation.errors';
import { provisionNodeStreams, type ProvisionedStream } from './stream.configs';

/** Inbox prefix of the operator identity (deploy/nats/operator.conf lets it subscribe to `_INBOX.palermo-operator.>` only). */
export const OPERATOR_INBOX_PREFIX = '_INBOX.palermo-operator';

/** Options of {@link provisionStreams}. */
export interface ProvisionStreamsOptions {
  /** NATS URL(s); in the leafnode topology, the hub (it holds JetStream). */
  servers: string | string[];
  /** The operator's nkey seed (`SU…`); none only on a server without authentication. */
  seed?: string;
  /** Node ids whose five streams to create or bring back to their config. */
  nodes: readonly string[];
  /** Feed stream replicas (1 on a single server, 3 in a cluster), as the nodes' NATS_REPLICAS. */
  replicas?: number;
  /** Connect and API timeout in ms (default 5 000). */
  timeoutMs?: number;
}

/**
 * `palermo nats provision`: connect as the operator identity and create each node's streams with exactly the config
 * the node itself would use (stream.configs.ts). The one path the CLI and every test harness take.
 */
export async function provisionStreams(options: ProvisionStreamsOptions): Promise<ProvisionedStream[]> {
  if (options.nodes.length === 0) throw new DomainError('INVALID_ARGUMENT', 'name at least one node to provision');
  const timeout = options.timeoutMs ?? 5_000;
  let nc;
  try {
    nc = await connect({
      servers: options.servers,
      name: 'palermo-operator',
      inboxPrefix: OPERATOR_INBOX_PREFIX,
      authenticator: options.seed === undefined ? undefined : nkeyAuthenticator(new TextEncoder().encode(options.seed.trim())),
      reconnect: false,
      timeout,
    });
  } catch (err) {
    if (isTransientNatsError(err)) throw natsUnavailable(`cannot reach NATS at ${String(options.servers)}`, err);
    throw new DomainError('NATS_AUTH_FAILED', `NATS refused the operator: ${(err as Error).message}`);
  }
  try {
    const jsm = await jetstreamManager(nc, { timeout, checkAPI: false });
    return await provisionNodeStreams(jsm, options.nodes, { replicas: options.replicas });
  } finally {
    await nc.close();
  }
}
