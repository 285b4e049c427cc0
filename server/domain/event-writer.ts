/**
 * Writes one decoded event inside the ingest's transaction: decides its account (the stored
 * conference's owner wins over what the message claims), appends it to the event log (a
 * redelivery is a duplicate there, and stops), and applies it: a conference event to the live
 * state (its transitions derive webhooks in the same transaction), any other kind to the side
 * events.
 * @module
 */
import { EventApplier } from "./apply-event";
import type { InboundEvent } from "./inbound-event";
import type { CommittedEvent, IngestDeps } from "./ingest";
import type { SqlStatement } from "./store";

/** An event the adapter could read. */
export type Decoded = Exclude<InboundEvent, { kind: "refused" }>;

/** What became of one event. */
export type Outcome =
  | { kind: "applied"; event: CommittedEvent }
  | { kind: "duplicate" }
  | { kind: "rejected"; reason: string };

type WriterDeps = Pick<
  IngestDeps,
  "sqlite" | "sessions" | "ownerOf" | "accountExists" | "onTransitions" | "onSideEvent"
>;

export class EventWriter {
  readonly #deps: WriterDeps;
  readonly #applier: EventApplier;
  readonly #append: SqlStatement;

  constructor(deps: WriterDeps) {
    this.#deps = deps;
    this.#applier = new EventApplier(deps.sqlite, deps.sessions);
    this.#append = deps.sqlite.prepare(
      `INSERT INTO events (msg_id, digest, account_id, conference_id, call_id, name, routing_key, body, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
  }

  /** Logs and applies `decoded`, received at `at`; call inside a transaction. */
  write(decoded: Decoded, at: number): Outcome {
    const entry = logEntryOf(decoded);
    const account = this.#accountFor(entry.conferenceId, decoded.value.claimedAccountId);
    if (typeof account !== "string") {
      return { kind: "rejected", reason: account.reason };
    }
    const { value } = decoded;
    const result = this.#append.run(
      value.msgId,
      value.digest,
      account,
      entry.conferenceId,
      entry.callId ?? null,
      entry.event,
      value.routingKey,
      JSON.stringify(value.data),
      at,
    );
    if (result.changes === 0) {
      return { kind: "duplicate" };
    }
    const seq = Number(result.lastInsertRowid);
    this.#apply(decoded, account, { seq, at, raw: value.data });
    return {
      kind: "applied",
      event: {
        seq,
        category: entry.category,
        accountId: account,
        conferenceId: entry.conferenceId,
        callId: entry.callId,
        event: entry.event,
        eventName: entry.eventName,
        routingKey: value.routingKey,
        data: value.data,
      },
    };
  }

  /** Decides which account an event belongs to; the stored conference's owner wins. */
  #accountFor(conferenceId: string, claimed: string | undefined): string | { reason: string } {
    const owner = this.#deps.ownerOf(conferenceId) ?? this.#applier.runtimeAccount(conferenceId);
    if (owner && claimed && owner !== claimed) {
      return { reason: `conference ${conferenceId} belongs to another account` };
    }
    const account = owner ?? claimed;
    if (!account) {
      return { reason: "no account: custom_channel_vars.account_id is missing" };
    }
    if (!this.#deps.accountExists(account)) {
      return { reason: `unknown account ${account}` };
    }
    return account;
  }

  #apply(
    decoded: Decoded,
    account: string,
    source: { seq: number; at: number; raw: Record<string, unknown> },
  ): void {
    if (decoded.kind === "side") {
      this.#deps.onSideEvent?.(decoded.value, account, source);
      return;
    }
    const transitions = this.#applier.apply(decoded.value, account, source.at);
    if (transitions.length > 0) {
      this.#deps.sessions.record(transitions, source);
      this.#deps.onTransitions?.(transitions, source);
    }
  }
}

/** What the event log and listeners say about an event, whichever its kind. */
function logEntryOf(
  decoded: Decoded,
): Pick<CommittedEvent, "category" | "conferenceId" | "callId" | "event" | "eventName"> {
  if (decoded.kind === "conference") {
    const { event, callId } = decoded.value;
    return {
      category: "conference",
      conferenceId: event.conference_id,
      callId,
      event: event.event,
      eventName: event.event_name ?? "event",
    };
  }
  const { category, conferenceId, subjectId } = decoded.value;
  return { category, conferenceId, callId: subjectId, event: category, eventName: category };
}
