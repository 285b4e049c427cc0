/**
 * The ingest: every message that arrived in one event-loop turn is decoded, then in one SQLite
 * transaction appended to the event log (deduplicated), applied to the live state, and only after
 * the commit acknowledged. Listeners hear about committed events once, in `seq` order.
 * @module
 */
import type Database from "better-sqlite3";
import type { InboundMessage } from "../amqp/event-source";
import type { Logger } from "../logger";
import { createEventApplier } from "./apply-event";
import { type DecodedEvent, decodeEvent } from "./decode-event";
import type { Transition } from "./transitions";

/** An event as committed: what the WebSocket feed and webhooks are built from. */
export interface CommittedEvent {
  seq: number;
  accountId: string;
  conferenceId: string;
  callId: string | undefined;
  /** The conference event (`add-member`, …). */
  event: string;
  /** Kazoo's `Event-Name`: `event` (current feed) or `participant_event` (legacy). */
  eventName: string;
  routingKey: string;
  data: Record<string, unknown>;
}

export interface Ingest {
  /** Processes one batch; settles every message in it. */
  handleBatch(batch: InboundMessage[]): void;
  /** Notes that the host is ending a meeting (API kick-all): its end is `HOST_ENDED_MEETING`. */
  markHostEnding(conferenceId: string): void;
  /** Subscribes to committed events; returns an unsubscribe function. */
  onCommitted(listener: (events: CommittedEvent[]) => void): () => void;
}

export interface IngestDeps {
  sqlite: Database.Database;
  logger: Logger;
  now: () => number;
  /** Owner of a stored conference document, if any. */
  ownerOf(conferenceId: string): string | undefined;
  accountExists(accountId: string): boolean;
  /**
   * Called inside the transaction with what each event changed, so that derived webhook events
   * commit (or roll back) with the event itself.
   */
  onTransitions?(
    transitions: Transition[],
    source: { seq: number; at: number; raw: Record<string, unknown> },
  ): void;
}

type Outcome =
  | { kind: "applied"; event: CommittedEvent }
  | { kind: "duplicate" }
  | { kind: "rejected"; reason: string };

export function createIngest(deps: IngestDeps): Ingest {
  const { sqlite, logger, now } = deps;
  const applier = createEventApplier(sqlite);
  const listeners = new Set<(events: CommittedEvent[]) => void>();
  const appendEvent = sqlite.prepare(
    `INSERT INTO events (msg_id, digest, account_id, conference_id, call_id, name, routing_key, body, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING seq`,
  );

  /** Decides which account an event belongs to; the stored conference's owner wins. */
  const accountFor = (decoded: DecodedEvent): string | { reason: string } => {
    const conferenceId = decoded.event.conference_id;
    const owner = deps.ownerOf(conferenceId) ?? applier.runtimeAccount(conferenceId);
    const claimed = decoded.claimedAccountId;
    if (owner && claimed && owner !== claimed) {
      return { reason: `conference ${conferenceId} belongs to another account` };
    }
    const account = owner ?? claimed;
    if (!account) {
      return { reason: "no account: custom_channel_vars.account_id is missing" };
    }
    if (!deps.accountExists(account)) {
      return { reason: `unknown account ${account}` };
    }
    return account;
  };

  const applyOne = sqlite.transaction((decoded: DecodedEvent, at: number): Outcome => {
    const account = accountFor(decoded);
    if (typeof account !== "string") {
      return { kind: "rejected", reason: account.reason };
    }
    const { event } = decoded;
    const inserted = appendEvent.get(
      decoded.msgId,
      decoded.digest,
      account,
      event.conference_id,
      decoded.callId ?? null,
      event.event,
      decoded.routingKey,
      JSON.stringify(decoded.data),
      at,
    ) as { seq: number } | undefined;
    if (!inserted) {
      return { kind: "duplicate" };
    }
    const transitions = applier.apply(decoded, account, at);
    if (transitions.length > 0) {
      deps.onTransitions?.(transitions, { seq: inserted.seq, at, raw: decoded.data });
    }
    return {
      kind: "applied",
      event: {
        seq: inserted.seq,
        accountId: account,
        conferenceId: event.conference_id,
        callId: decoded.callId,
        event: event.event,
        eventName: event.event_name ?? "event",
        routingKey: decoded.routingKey,
        data: decoded.data,
      },
    };
  });

  const applyBatch = sqlite.transaction(
    (items: Array<{ message: InboundMessage; decoded: DecodedEvent }>) => {
      const at = now();
      return items.map(({ message, decoded }) => {
        try {
          // A nested transaction is a savepoint: one bad event rolls back alone.
          return { message, outcome: applyOne(decoded, at) };
        } catch (error) {
          logger.error(
            { err: error, routing_key: message.routingKey },
            "event could not be applied",
          );
          return {
            message,
            outcome: { kind: "rejected", reason: "event could not be applied" } as Outcome,
          };
        }
      });
    },
  );

  return {
    handleBatch(batch) {
      const valid: Array<{ message: InboundMessage; decoded: DecodedEvent }> = [];
      for (const message of batch) {
        const result = decodeEvent(message.routingKey, message.body);
        if (result.ok) {
          valid.push({ message, decoded: result.value });
        } else {
          logger.warn(
            { routing_key: message.routingKey, reason: result.reason },
            "event dead-lettered",
          );
          message.reject(result.reason);
        }
      }
      if (valid.length === 0) {
        return;
      }
      let results: Array<{ message: InboundMessage; outcome: Outcome }>;
      try {
        results = applyBatch(valid);
      } catch (error) {
        logger.error({ err: error, size: valid.length }, "batch not committed; requeued");
        for (const { message } of valid) {
          message.requeue();
        }
        return;
      }
      const committed: CommittedEvent[] = [];
      for (const { message, outcome } of results) {
        if (outcome.kind === "rejected") {
          logger.warn(
            { routing_key: message.routingKey, reason: outcome.reason },
            "event dead-lettered",
          );
          message.reject(outcome.reason);
          continue;
        }
        message.ack();
        if (outcome.kind === "applied") {
          committed.push(outcome.event);
        }
      }
      if (committed.length > 0) {
        for (const listener of listeners) {
          listener(committed);
        }
      }
    },
    markHostEnding(conferenceId) {
      applier.markHostEnding(conferenceId, now());
    },
    onCommitted(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
