/**
 * Delivery counters of a durable consumer, read from nats-server's monitoring endpoint (/jsz):
 * redeliveries on a chain that is read one message at a time mean stalls of up to ack_wait.
 */
export interface ConsumerStats {
  durable: string;
  /** Deliveries made (including redeliveries). */
  delivered: number;
  /** Last stream sequence delivered. */
  streamSeq: number;
  /** Messages delivered more than once. */
  redelivered: number;
  /** Unacknowledged messages right now. */
  ackPending: number;
}

interface JszConsumer {
  name: string;
  delivered?: { consumer_seq: number; stream_seq: number };
  num_redelivered?: number;
  num_ack_pending?: number;
}

interface Jsz {
  account_details?: { stream_detail?: { name: string; consumer_detail?: JszConsumer[] }[] }[];
}

/** The consumers of `stream` whose durable name starts with `prefix` (empty when monitoring is unreachable). */
export async function consumerStats(monitorUrl: string, stream: string, prefix: string): Promise<ConsumerStats[]> {
  try {
    const res = await fetch(`${monitorUrl}/jsz?accounts=true&streams=true&consumers=true`);
    const jsz = (await res.json()) as Jsz;
    const streams = (jsz.account_details ?? []).flatMap((a) => a.stream_detail ?? []);
    const consumers = streams.filter((s) => s.name === stream).flatMap((s) => s.consumer_detail ?? []);
    return consumers
      .filter((c) => c.name.startsWith(prefix))
      .map((c) => ({
        durable: c.name,
        delivered: c.delivered?.consumer_seq ?? 0,
        streamSeq: c.delivered?.stream_seq ?? 0,
        redelivered: c.num_redelivered ?? 0,
        ackPending: c.num_ack_pending ?? 0,
      }));
  } catch {
    return [];
  }
}
