/**
 * Reads the append-only event log back: what a resuming WebSocket client missed.
 * @module
 */

import type { CommittedEvent } from "./ingest";
import type { SqlStore } from "./store";

/** The settings key of retention's watermark: every event with `seq` up to it was removed. */
export const PRUNED_THROUGH_KEY = "events_pruned_through";

/** Reads retention's watermark (0 before anything was pruned). */
export function prunedThroughReader(sqlite: SqlStore): () => number {
  const watermark = sqlite.prepare("SELECT value FROM settings WHERE key = ?");
  return () =>
    Number((watermark.get(PRUNED_THROUGH_KEY) as { value: string } | undefined)?.value ?? 0);
}

export interface EventLog {
  /** Conference events of `accountId` with `seq > afterSeq`, oldest first, at most `limit`. */
  eventsAfter(accountId: string, afterSeq: number, limit: number): CommittedEvent[];
  /** Every event up to this `seq` was pruned by retention (0: none). */
  prunedThrough(): number;
}

interface Row {
  seq: number;
  account_id: string;
  conference_id: string;
  call_id: string | null;
  name: string;
  routing_key: string;
  body: string;
}

export function createEventLog(sqlite: SqlStore): EventLog {
  const after = sqlite.prepare(
    `SELECT seq, account_id, conference_id, call_id, name, routing_key, body FROM events
     WHERE account_id = ? AND seq > ? AND routing_key LIKE 'conference.event.%' ORDER BY seq LIMIT ?`,
  );
  return {
    prunedThrough: prunedThroughReader(sqlite),
    eventsAfter(accountId, afterSeq, limit) {
      return (after.all(accountId, afterSeq, limit) as Row[]).map((row) => {
        const data = JSON.parse(row.body) as Record<string, unknown>;
        return {
          seq: row.seq,
          category: "conference" as const,
          accountId: row.account_id,
          conferenceId: row.conference_id,
          callId: row.call_id ?? undefined,
          event: row.name,
          eventName: typeof data.event_name === "string" ? data.event_name : "event",
          routingKey: row.routing_key,
          data,
        };
      });
    },
  };
}
