/**
 * The ingest: every message that arrived in one event-loop turn, decoded by its adapter, is in
 * one SQLite transaction appended to the event log (deduplicated), applied (live state,
 * recordings, chat…), its webhook events written to the outbox, and only after the commit
 * acknowledged. Listeners hear about committed events once, in `seq` order.
 * @module
 */

import type { Logger } from "../logger";
import { createEventApplier } from "./apply-event";
import type { InboundMessage } from "./event-source";
import type { DecodedSideEvent, InboundEvent, SideCategory } from "./inbound-event";
import type { SessionLog } from "./session-log";
import type { SqlStore } from "./store";
import type { Transition } from "./transitions";

/** An event as committed: what the WebSocket feed and webhooks are built from. */
export interface CommittedEvent {
  seq: number;
  /** `conference` for conference events; the other inbound kinds are never pushed to `/ws`. */
  category: "conference" | SideCategory;
  accountId: string;
  conferenceId: string;
  callId: string | undefined;
  /** The conference event (`add-member`, …), or the category for other kinds. */
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

/** Where an applied event came from, for what is derived from it. */
export interface EventSourceInfo {
  seq: number;
  at: number;
  raw: Record<string, unknown>;
}

export interface IngestDeps {
  sqlite: SqlStore;
  logger: Logger;
  now: () => number;
  /** Owner of a stored conference document, if any. */
  ownerOf(conferenceId: string): string | undefined;
  accountExists(accountId: string): boolean;
  /**
   * Called inside the transaction with what each conference event changed, so that derived
   * webhook events commit (or roll back) with the event itself.
   */
  onTransitions?(transitions: Transition[], source: EventSourceInfo): void;
  /** Where each run's start and end are recorded. */
  sessions: SessionLog;
  /** Applies a recording, chat, livestream or transcript event, inside the transaction. */
  onSideEvent?(event: DecodedSideEvent, accountId: string, source: EventSourceInfo): void;
  /** Told about each batch (size, seconds to commit) and each refusal (metrics). */
  observe?: {
    batch(size: number, seconds: number): void;
    refused(reason: string): void;
    /** Seconds from a message's arrival to its commit. */
    lag(seconds: number): void;
  };
}

type Decoded = Exclude<InboundEvent, { kind: "refused" }>;

type Outcome =
  | { kind: "applied"; event: CommittedEvent }
  | { kind: "duplicate" }
  | { kind: "rejected"; reason: string };

export function createIngest(deps: IngestDeps): Ingest {
  const { sqlite, logger, now } = deps;
  const applier = createEventApplier(sqlite, deps.sessions);
  const listeners = new Set<(events: CommittedEvent[]) => void>();
  const appendEvent = sqlite.prepare(
    `INSERT INTO events (msg_id, digest, account_id, conference_id, call_id, name, routing_key, body, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );

  /** Decides which account an event belongs to; the stored conference's owner wins. */
  const accountFor = (
    conferenceId: string,
    claimed: string | undefined,
  ): string | { reason: string } => {
    const owner = deps.ownerOf(conferenceId) ?? applier.runtimeAccount(conferenceId);
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

  const applyEvent = (decoded: Decoded, at: number): Outcome => {
    const isConference = decoded.kind === "conference";
    const conferenceId = isConference
      ? decoded.value.event.conference_id
      : decoded.value.conferenceId;
    const account = accountFor(conferenceId, decoded.value.claimedAccountId);
    if (typeof account !== "string") {
      return { kind: "rejected", reason: account.reason };
    }
    const { value } = decoded;
    const callId = isConference ? decoded.value.callId : decoded.value.subjectId;
    const name = isConference ? decoded.value.event.event : decoded.value.category;
    const result = appendEvent.run(
      value.msgId,
      value.digest,
      account,
      conferenceId,
      callId ?? null,
      name,
      value.routingKey,
      JSON.stringify(value.data),
      at,
    );
    if (result.changes === 0) {
      return { kind: "duplicate" };
    }
    const inserted = { seq: Number(result.lastInsertRowid) };
    const source = { seq: inserted.seq, at, raw: value.data };
    if (isConference) {
      const transitions = applier.apply(decoded.value, account, at);
      if (transitions.length > 0) {
        deps.onTransitions?.(transitions, source);
      }
    } else {
      deps.onSideEvent?.(decoded.value, account, source);
    }
    return {
      kind: "applied",
      event: {
        seq: inserted.seq,
        category: isConference ? "conference" : decoded.value.category,
        accountId: account,
        conferenceId,
        callId,
        event: name,
        eventName: isConference
          ? (decoded.value.event.event_name ?? "event")
          : decoded.value.category,
        routingKey: value.routingKey,
        data: value.data,
      },
    };
  };
  const applyOne = sqlite.transaction(applyEvent);

  /** Applies a batch in one transaction; any event that throws rolls the whole batch back. */
  const applyFast = sqlite.transaction(
    (items: Array<{ message: InboundMessage; decoded: Decoded }>) => {
      const at = now();
      return items.map(({ message, decoded }) => ({ message, outcome: applyEvent(decoded, at) }));
    },
  );

  /** The careful path, after a fast batch failed: a savepoint per event isolates the bad one. */
  const applyIsolated = sqlite.transaction(
    (items: Array<{ message: InboundMessage; decoded: Decoded }>) => {
      const at = now();
      return items.map(({ message, decoded }) => {
        try {
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

  const applyBatch = (items: Array<{ message: InboundMessage; decoded: Decoded }>) => {
    try {
      return applyFast(items);
    } catch (error) {
      if (!isSqliteBusyOrIo(error)) {
        return applyIsolated(items);
      }
      throw error;
    }
  };

  return {
    handleBatch(batch) {
      const valid: Array<{ message: InboundMessage; decoded: Decoded }> = [];
      for (const message of batch) {
        const decoded = message.event;
        if (decoded.kind === "refused") {
          logger.warn(
            { routing_key: message.routingKey, reason: decoded.reason },
            "event dead-lettered",
          );
          deps.observe?.refused(decoded.reason);
          message.reject(decoded.reason);
        } else {
          valid.push({ message, decoded });
        }
      }
      if (valid.length === 0) {
        return;
      }
      let results: Array<{ message: InboundMessage; outcome: Outcome }>;
      const started = performance.now();
      try {
        results = applyBatch(valid);
        deps.observe?.batch(valid.length, (performance.now() - started) / 1000);
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
          deps.observe?.refused(outcome.reason);
          message.reject(outcome.reason);
          continue;
        }
        message.ack();
        if (message.receivedAt !== undefined) {
          deps.observe?.lag((performance.now() - message.receivedAt) / 1000);
        }
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

/** Errors that are about the store, not the event: retrying the batch later is the answer. */
function isSqliteBusyOrIo(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return (
    typeof code === "string" && /^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CANTOPEN)/.test(code)
  );
}
