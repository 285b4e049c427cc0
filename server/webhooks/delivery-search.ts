/**
 * Searching a subscription's delivery log: filters that must all hold (state, event type,
 * conference, a delivery or event id or its beginning, a window on the creation time), newest
 * first, a page at a time. Pages are keyed by `seq_no` (the order deliveries were written in), so
 * deliveries written while a client pages never shift a page: each one is listed exactly once.
 * @module
 */
import type Database from "better-sqlite3";
import type { DeliveryStatus } from "../../protocol/webhook-deliveries";

/** What a search asks for. Times are Unix milliseconds. */
export interface DeliverySearch {
  status?: DeliveryStatus | undefined;
  eventType?: string | undefined;
  conferenceId?: string | undefined;
  /** A delivery id or event id, or the beginning of one. */
  q?: string | undefined;
  /** Created at or after. */
  since?: number | undefined;
  /** Created before. */
  until?: number | undefined;
  /** The page starts at this `seq_no` (a previous page's `nextStartKey`) and goes older. */
  startKey?: number | undefined;
  limit: number;
}

/** The columns every delivery listing reads: the delivery and its event's type and origin. */
export const DELIVERY_COLUMNS =
  "d.*, e.type, e.seq, e.conference_id FROM deliveries d JOIN webhook_events e ON e.id = d.event_id";

/** A page of rows, and where the next (older) page starts when there is one. */
export interface SearchPage<Row> {
  rows: Row[];
  nextStartKey?: number;
}

/** Above any character an id holds: `id < prefix + this` bounds a prefix range. */
const PREFIX_END = "\uffff";

/**
 * Builds the searcher. Each combination of filters is one statement, prepared the first time it
 * is asked for (there are at most 2^7 of them).
 */
export function createDeliverySearch(sqlite: Database.Database) {
  const statements = new Map<string, Database.Statement>();
  const prepared = (text: string) => {
    let statement = statements.get(text);
    if (!statement) {
      statement = sqlite.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };

  return function search<Row extends { seq_no: number }>(
    webhookId: string,
    query: DeliverySearch,
  ): SearchPage<Row> {
    const where = ["d.webhook_id = @webhookId"];
    const params: Record<string, string | number> = { webhookId, take: query.limit + 1 };
    const when = (value: string | number | undefined, name: string, clause: string) => {
      if (value !== undefined) {
        where.push(clause);
        params[name] = value;
      }
    };
    when(query.status, "status", "d.status = @status");
    when(query.eventType, "eventType", "e.type = @eventType");
    when(query.conferenceId, "conferenceId", "e.conference_id = @conferenceId");
    when(query.since, "since", "d.created_at >= @since");
    when(query.until, "until", "d.created_at < @until");
    when(query.startKey, "startKey", "d.seq_no <= @startKey");
    if (query.q !== undefined) {
      where.push("((d.id >= @q AND d.id < @qEnd) OR (d.event_id >= @q AND d.event_id < @qEnd))");
      params.q = query.q;
      params.qEnd = `${query.q}${PREFIX_END}`;
    }
    const text = `SELECT ${DELIVERY_COLUMNS} WHERE ${where.join(" AND ")} ORDER BY d.seq_no DESC LIMIT @take`;
    const rows = prepared(text).all(params) as Row[];
    const next = rows.length > query.limit ? rows.pop() : undefined;
    return next ? { rows, nextStartKey: next.seq_no } : { rows };
  };
}
