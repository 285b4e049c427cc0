/**
 * The delivery log of a subscription: deliveries with their state (searched and paged by
 * delivery-search.ts), each delivery's attempts, how the endpoint is doing (endpoint-health.ts),
 * and the operator's levers: retry one delivery, recover everything that failed since a time.
 * @module
 */
import type Database from "better-sqlite3";
import type { DeliveryStatus } from "../../protocol/webhook-deliveries";
import { createDeliveryQueues } from "./delivery-queues";
import { createDeliverySearch, DELIVERY_COLUMNS, type DeliverySearch } from "./delivery-search";
import { createEndpointHealth, type EndpointHealth } from "./endpoint-health";
import type { Subscription } from "./subscription-body";

interface DeliveryRow {
  seq_no: number;
  id: string;
  webhook_id: string;
  event_id: string;
  variant: number;
  ordering_key: string;
  status: DeliveryStatus;
  attempt_count: number;
  next_attempt_at: number | null;
  last_status_code: number | null;
  created_at: number;
  updated_at: number;
  type: string;
  seq: number | null;
  conference_id: string | null;
}

interface AttemptRow {
  attempted_at: number;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  response: string | null;
}

/** A page of the log, newest first; `nextStartKey` starts the next (older) page. */
export interface DeliveryPage {
  deliveries: Record<string, unknown>[];
  nextStartKey?: string;
}

export interface DeliveryLog {
  /** The deliveries matching every filter given, newest first, a page at a time. */
  list(webhookId: string, search: DeliverySearch): DeliveryPage;
  /** How the endpoint is doing (the subscription's `_read_only`). */
  health(sub: Subscription): EndpointHealth;
  get(webhookId: string, deliveryId: string): Record<string, unknown> | undefined;
  /** Schedules one delivery again now; false when it is unknown or still in progress. */
  retry(webhookId: string, deliveryId: string): boolean;
  /** Schedules every `dead` or `retrying` delivery created since `since` again; returns how many. */
  recover(webhookId: string, since: number): number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function createDeliveryLog({
  sqlite,
  now,
}: {
  sqlite: Database.Database;
  now: () => number;
}): DeliveryLog {
  const search = createDeliverySearch(sqlite);
  const health = createEndpointHealth(sqlite);
  const one = sqlite.prepare(`SELECT ${DELIVERY_COLUMNS} WHERE d.webhook_id = ? AND d.id = ?`);
  const attempts = sqlite.prepare(
    "SELECT attempted_at, status_code, duration_ms, error, response FROM delivery_attempts WHERE delivery_id = ? ORDER BY id",
  );
  const reschedule = sqlite.prepare(
    `UPDATE deliveries SET status = CASE WHEN attempt_count = 0 THEN 'pending' ELSE 'retrying' END,
       next_attempt_at = ?, updated_at = ? WHERE webhook_id = ? AND id = ? AND status IN ('dead', 'retrying', 'succeeded')
     RETURNING ordering_key`,
  );
  const recoverSince = sqlite.prepare(
    `UPDATE deliveries SET status = 'retrying', next_attempt_at = ?, updated_at = ?
     WHERE webhook_id = ? AND created_at >= ? AND status IN ('dead', 'retrying')`,
  );
  // A revived delivery may head its queue again: heads are found again in the same transaction.
  const queues = createDeliveryQueues(sqlite);
  const retryOne = sqlite.transaction((webhookId: string, deliveryId: string, at: number) => {
    const row = reschedule.get(at, at, webhookId, deliveryId) as
      | { ordering_key: string }
      | undefined;
    if (row) {
      queues.refresh(webhookId, row.ordering_key);
    }
    return row !== undefined;
  });
  const recoverAll = sqlite.transaction((webhookId: string, since: number, at: number) => {
    const { changes } = recoverSince.run(at, at, webhookId, since);
    if (changes > 0) {
      queues.refreshEndpoint(webhookId);
    }
    return changes;
  });

  const view = (row: DeliveryRow) => ({
    id: row.id,
    webhook_id: row.webhook_id,
    event_id: row.event_id,
    event_type: row.type,
    ...(row.conference_id ? { conference_id: row.conference_id } : {}),
    ...(row.seq === null ? {} : { seq: row.seq }),
    status: row.status,
    attempt_count: row.attempt_count,
    next_attempt_at: iso(row.next_attempt_at),
    last_status_code: row.last_status_code,
    created: iso(row.created_at),
    updated: iso(row.updated_at),
  });

  return {
    list(webhookId, query) {
      const page = search<DeliveryRow>(webhookId, query);
      const deliveries = page.rows.map(view);
      return page.nextStartKey === undefined
        ? { deliveries }
        : { deliveries, nextStartKey: String(page.nextStartKey) };
    },
    health,
    get(webhookId, deliveryId) {
      const row = one.get(webhookId, deliveryId) as DeliveryRow | undefined;
      if (!row) {
        return undefined;
      }
      return {
        ...view(row),
        attempts: (attempts.all(deliveryId) as AttemptRow[]).map((a) => ({
          at: iso(a.attempted_at),
          status_code: a.status_code,
          duration_ms: a.duration_ms,
          error: a.error,
          response: a.response,
        })),
      };
    },
    retry(webhookId, deliveryId) {
      return retryOne(webhookId, deliveryId, now());
    },
    recover(webhookId, since) {
      return recoverAll(webhookId, since, now());
    },
  };
}
