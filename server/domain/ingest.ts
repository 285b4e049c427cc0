/**
 * The ingest: every message that arrived in one event-loop turn, decoded by its adapter, is
 * appended to the replicated log; the log applier (on every node) writes it to the event log
 * (deduplicated) and applies it (live state, recordings, chat…, webhook events into the outbox)
 * in one SQLite transaction per batch; only after this node applied it is the message
 * acknowledged. Listeners hear about committed events once, in `seq` order.
 * @module
 */

import type { Logger } from "../logger";
import type { EntryWaiters } from "./entry-waiters";
import type { InboundMessage } from "./event-source";
import type { DecodedSideEvent, SideCategory } from "./inbound-event";
import type { LogApplier } from "./log-applier";
import type { EventEntry, LogEntry, ReplicatedLog } from "./replicated-log";
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
  /**
   * Takes one batch: appends what could be read to the replicated log, waits until this node
   * has applied it, then settles each message by what became of it. Batches are taken one at a
   * time, in order. Resolves once every message of the batch is settled.
   */
  handleBatch(batch: InboundMessage[]): Promise<void>;
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
    /** Log entries committed by this node's applier, with the position they reached. */
    applied?(entries: LogEntry[], position: number): void;
  };
}

/** What the front of the ingest needs besides the applier's dependencies. */
export interface IngestFrontDeps {
  log: ReplicatedLog;
  applier: LogApplier;
  /** Where this node waits for the outcome of the entries it appended. */
  waiters: EntryWaiters;
  logger: Logger;
  now: () => number;
  /** A fresh id for each log entry (the appending node waits for its outcome by it). */
  newEntryId: () => string;
  observe?: IngestDeps["observe"];
}

export function createIngest(deps: IngestFrontDeps): Ingest {
  return new IngestFront(deps);
}

/**
 * The ingest's front: refuses what could not be read, appends the rest to the log, and settles
 * each message once this node has applied its entry: acknowledged when applied or a duplicate,
 * dead-lettered when refused, handed back when the log could not take it.
 */
/** Batches the ingest has in the log's round trip at once. */
const MAX_BATCHES_IN_FLIGHT = 2;

class IngestFront implements Ingest {
  readonly #deps: IngestFrontDeps;
  /** Messages waiting for a place among the batches in flight, and who waits for them. */
  #waiting: Array<{ batch: InboundMessage[]; done: () => void }> = [];
  #inFlight = 0;

  constructor(deps: IngestFrontDeps) {
    this.#deps = deps;
  }

  /**
   * Up to `MAX_BATCHES_IN_FLIGHT` batches go to the log at once, appended in arrival order (so
   * the log keeps the queue's order); what arrives while they are out is taken together next, so
   * a round trip to the log is paid per batch and overlaps the next batch's.
   */
  handleBatch(batch: InboundMessage[]): Promise<void> {
    const settled = new Promise<void>((done) => this.#waiting.push({ batch, done }));
    this.#launch();
    return settled;
  }

  onCommitted(listener: (events: CommittedEvent[]) => void): () => void {
    return this.#deps.applier.onCommitted(listener);
  }

  #launch(): void {
    while (this.#inFlight < MAX_BATCHES_IN_FLIGHT && this.#waiting.length > 0) {
      const taken = this.#waiting.splice(0, this.#waiting.length);
      this.#inFlight += 1;
      this.#take(taken.flatMap(({ batch }) => batch))
        .catch((error: unknown) => this.#deps.logger.error({ err: error }, "ingest batch failed"))
        .finally(() => {
          for (const { done } of taken) {
            done();
          }
          this.#inFlight -= 1;
          this.#launch();
        });
    }
  }

  async #take(batch: InboundMessage[]): Promise<void> {
    const valid: Array<{ message: InboundMessage; body: EventEntry }> = [];
    const at = this.#deps.now();
    for (const message of batch) {
      if (message.event.kind === "refused") {
        this.#refuse(message, message.event.reason);
      } else {
        valid.push({
          message,
          body: { kind: "event", id: this.#deps.newEntryId(), at, event: message.event },
        });
      }
    }
    if (valid.length === 0) {
      return;
    }
    const ids = valid.map(({ body }) => body.id);
    const outcomes = this.#deps.waiters.outcomesOf(ids);
    try {
      await this.#deps.log.append(valid.map(({ body }) => body));
    } catch (error) {
      this.#deps.waiters.forget(ids);
      this.#deps.logger.error({ err: error, size: valid.length }, "batch not committed; requeued");
      for (const { message } of valid) {
        message.requeue();
      }
      return;
    }
    const settled = await outcomes;
    for (const { message, body } of valid) {
      const outcome = settled.get(body.id);
      if (outcome?.kind === "rejected") {
        this.#refuse(message, outcome.reason);
        continue;
      }
      message.ack();
      if (message.receivedAt !== undefined) {
        this.#deps.observe?.lag((performance.now() - message.receivedAt) / 1000);
      }
    }
  }

  #refuse(message: InboundMessage, reason: string): void {
    this.#deps.logger.warn({ routing_key: message.routingKey, reason }, "event dead-lettered");
    this.#deps.observe?.refused(reason);
    message.reject(reason);
  }
}
