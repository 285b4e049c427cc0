/**
 * Reads the append-only event log back: what a resuming WebSocket client missed.
 * @module
 */

import type { CommittedEvent } from "./ingest";
import type { SqlStore } from "./store";

export interface EventLog {
  /** Conference events of `accountId` with `seq > afterSeq`, oldest first, at most `limit`. */
  eventsAfter(accountId: string, afterSeq: number, limit: number): CommittedEvent[];
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
