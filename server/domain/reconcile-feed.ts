/**
 * Hands a round's synthesized messages to the ingest as a media server's messages are handed to
 * it, in batches of the bus's size: same decode, dedup, transaction, WebSocket push and
 * webhooks. A batch the store could not take is handed again, unchanged (same `Msg-ID`s, so
 * whatever did commit is deduplicated); a message the ingest refuses is reported as skipped.
 * @module
 */
import { DomainError } from "./errors";
import type { InboundMessage } from "./event-source";
import type { InboundEvent } from "./inbound-event";
import type { Ingest } from "./ingest";
import type { PlannedEvent, Skipped } from "./reconcile-plan";

/** A planned repair worded as a media server's message, decoded: what the ingest takes. */
export interface SynthesizedMessage {
  routingKey: string;
  event: InboundEvent;
  /** Its `Msg-ID`, derived from the round and its content (a retried round is deduplicated). */
  msgId: string;
  planned: PlannedEvent;
}

/**
 * Words a round's repairs as media-server messages, in plan order
 * (`server/amqp/reconcile-messages.ts`: Kazoo's current feed, decoded as real messages are).
 */
export type Synthesize = (roundId: string, planned: PlannedEvent[]) => SynthesizedMessage[];

/** Messages per ingest batch, as on the bus. */
const BATCH = 256;

/** Feeds `messages`; resolves with the `seq` of each one that committed, by `Msg-ID`. */
export async function feedSynthesized(
  ingest: Pick<Ingest, "handleBatch" | "onCommitted">,
  messages: SynthesizedMessage[],
  skipped: Skipped[],
): Promise<Map<string, number>> {
  const seqs = new Map<string, number>();
  const stop = ingest.onCommitted((events) => {
    for (const event of events) {
      const msgId = event.data.msg_id;
      if (typeof msgId === "string") {
        seqs.set(msgId, event.seq);
      }
    }
  });
  try {
    for (let start = 0; start < messages.length; start += BATCH) {
      let pending = messages.slice(start, start + BATCH);
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt === 3) {
          throw new DomainError("service_unavailable", {
            message: "the store did not take the reconciled events; try again",
          });
        }
        const retry: typeof pending = [];
        const batch: InboundMessage[] = pending.map((message) => ({
          routingKey: message.routingKey,
          event: message.event,
          ack: () => {},
          reject: (reason) =>
            skipped.push({
              conferenceId: message.planned.conferenceId,
              ...(message.planned.member ? { callId: message.planned.member.callId } : {}),
              reason: `refused by the ingest: ${reason}`,
            }),
          requeue: () => retry.push(message),
        }));
        await ingest.handleBatch(batch);
        pending = retry;
        if (pending.length > 0) {
          await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
        }
      }
    }
  } finally {
    stop();
  }
  return seqs;
}
