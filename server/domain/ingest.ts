/**
 * The ingest: every message that arrived in one event-loop turn, decoded by its adapter, is in
 * one SQLite transaction appended to the event log (deduplicated), applied (live state,
 * recordings, chat…), its webhook events written to the outbox, and only after the commit
 * acknowledged. Listeners hear about committed events once, in `seq` order.
 * @module
 */

import type { Logger } from "../logger";
import type { InboundMessage } from "./event-source";
import { type Decoded, EventWriter, type Outcome } from "./event-writer";
import type { DecodedSideEvent, SideCategory } from "./inbound-event";
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

type Item = { message: InboundMessage; decoded: Decoded };
type Result = { message: InboundMessage; outcome: Outcome };

export function createIngest(deps: IngestDeps): Ingest {
  return new BatchIngest(deps);
}

/** Refuses what could not be read, commits the rest in one transaction, then settles each. */
class BatchIngest implements Ingest {
  readonly #deps: IngestDeps;
  readonly #listeners = new Set<(events: CommittedEvent[]) => void>();
  /** Applies a batch in one transaction; any event that throws rolls the whole batch back. */
  readonly #applyFast: (items: Item[]) => Result[];
  /** The careful path, after a fast batch failed: a savepoint per event isolates the bad one. */
  readonly #applyIsolated: (items: Item[]) => Result[];

  constructor(deps: IngestDeps) {
    this.#deps = deps;
    const writer = new EventWriter(deps);
    const writeOne = deps.sqlite.transaction((decoded: Decoded, at: number) =>
      writer.write(decoded, at),
    );
    this.#applyFast = deps.sqlite.transaction((items: Item[]) => {
      const at = deps.now();
      return items.map(({ message, decoded }) => ({
        message,
        outcome: writer.write(decoded, at),
      }));
    });
    this.#applyIsolated = deps.sqlite.transaction((items: Item[]) => {
      const at = deps.now();
      return items.map(({ message, decoded }) => ({
        message,
        outcome: this.#isolated(() => writeOne(decoded, at), message),
      }));
    });
  }

  handleBatch(batch: InboundMessage[]): void {
    const valid: Item[] = [];
    for (const message of batch) {
      if (message.event.kind === "refused") {
        this.#refuse(message, message.event.reason);
      } else {
        valid.push({ message, decoded: message.event });
      }
    }
    if (valid.length === 0) {
      return;
    }
    const results = this.#commit(valid);
    if (results) {
      this.#announce(this.#settle(results));
    }
  }

  onCommitted(listener: (events: CommittedEvent[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Commits the batch, or hands every message back when the store could not take it. */
  #commit(items: Item[]): Result[] | undefined {
    const started = performance.now();
    try {
      const results = this.#applyBatch(items);
      this.#deps.observe?.batch(items.length, (performance.now() - started) / 1000);
      return results;
    } catch (error) {
      this.#deps.logger.error({ err: error, size: items.length }, "batch not committed; requeued");
      for (const { message } of items) {
        message.requeue();
      }
      return undefined;
    }
  }

  #applyBatch(items: Item[]): Result[] {
    try {
      return this.#applyFast(items);
    } catch (error) {
      if (!isSqliteBusyOrIo(error)) {
        return this.#applyIsolated(items);
      }
      throw error;
    }
  }

  /** One event on the careful path: if it throws, it alone is refused. */
  #isolated(write: () => Outcome, message: InboundMessage): Outcome {
    try {
      return write();
    } catch (error) {
      this.#deps.logger.error(
        { err: error, routing_key: message.routingKey },
        "event could not be applied",
      );
      return { kind: "rejected", reason: "event could not be applied" };
    }
  }

  /** Acks what committed (or was a duplicate), dead-letters what was refused. */
  #settle(results: Result[]): CommittedEvent[] {
    const committed: CommittedEvent[] = [];
    for (const { message, outcome } of results) {
      if (outcome.kind === "rejected") {
        this.#refuse(message, outcome.reason);
        continue;
      }
      message.ack();
      if (message.receivedAt !== undefined) {
        this.#deps.observe?.lag((performance.now() - message.receivedAt) / 1000);
      }
      if (outcome.kind === "applied") {
        committed.push(outcome.event);
      }
    }
    return committed;
  }

  #refuse(message: InboundMessage, reason: string): void {
    this.#deps.logger.warn({ routing_key: message.routingKey, reason }, "event dead-lettered");
    this.#deps.observe?.refused(reason);
    message.reject(reason);
  }

  #announce(committed: CommittedEvent[]): void {
    if (committed.length === 0) {
      return;
    }
    for (const listener of this.#listeners) {
      listener(committed);
    }
  }
}

/** Errors that are about the store, not the event: retrying the batch later is the answer. */
function isSqliteBusyOrIo(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return (
    typeof code === "string" && /^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CANTOPEN)/.test(code)
  );
}
