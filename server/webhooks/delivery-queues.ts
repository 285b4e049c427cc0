/**
 * The heads of the delivery queues. Deliveries to one endpoint about one conference form a queue
 * that goes out in order, so only its oldest open delivery (the head) may be sent. `delivery_queues`
 * keeps one row per queue with open deliveries: its head and when the head is due. Picking due
 * work is then a range scan over due heads, never a walk through the deliveries waiting behind
 * them, so a backlog of any depth costs each pick the same.
 *
 * Every write that opens or closes a delivery calls in here in the same transaction: the outbox
 * when it inserts, the dispatcher when it records an outcome, the delivery log when an operator
 * retries or recovers, the subscription store when an endpoint is disabled, deleted or enabled.
 * @module
 */
import type Database from "better-sqlite3";
import { sql } from "drizzle-orm";
import type { Db } from "../db/open";

/** A due queue head, as the dispatcher needs it to send. */
export interface DueHead {
  seq_no: number;
  id: string;
  webhook_id: string;
  event_id: string;
  variant: number;
  ordering_key: string;
  status: string;
  attempt_count: number;
}

export interface DeliveryQueues {
  /**
   * Records a just-inserted delivery: it heads its queue when the queue had no open delivery;
   * otherwise it waits behind the existing head. `active` is false for a disabled endpoint.
   */
  opened(
    webhookId: string,
    orderingKey: string,
    seqNo: number,
    dueAt: number,
    active: boolean,
  ): void;
  /** Finds a queue's head again after one of its deliveries changed state. */
  refresh(webhookId: string, orderingKey: string): void;
  /** Finds the head of every queue of an endpoint again (after a bulk recover). */
  refreshEndpoint(webhookId: string): void;
  /** Parks an endpoint's queues, so that no pick looks at them. */
  park(webhookId: string): void;
  /** One endpoint's due heads, earliest due first. */
  due(webhookId: string, at: number, limit: number): DueHead[];
  /**
   * The endpoints with unparked heads and when each one's earliest head falls due: the dispatcher
   * picks per endpoint, leaving out those at their concurrency limit or sent for by another node
   * without reading their heads.
   */
  dueEndpoints(): EndpointDue[];
  /**
   * The open delivery after `afterSeqNo` in its queue when it is due at `at`: the next one an
   * ordered queue sends as soon as the one before it was answered, before its outcome is recorded.
   */
  nextAfter(
    webhookId: string,
    orderingKey: string,
    afterSeqNo: number,
    at: number,
  ): DueHead | undefined;
}

/** An endpoint with unparked queue heads. */
export interface EndpointDue {
  webhook_id: string;
  /** When its earliest head falls due. */
  due_at: number;
}

const OPEN = "status IN ('pending', 'retrying')";
const ACTIVE_DUE = "CASE WHEN w.enabled = 1 AND w.deleted_at IS NULL THEN d.next_attempt_at END";
const UPSERT = `ON CONFLICT (webhook_id, ordering_key) DO UPDATE
  SET head_seq_no = excluded.head_seq_no, due_at = excluded.due_at`;

const HEAD_COLUMNS = `d.seq_no, d.id, d.webhook_id, d.event_id, d.variant, d.ordering_key,
  d.status, d.attempt_count`;

/**
 * The due pick of one endpoint. Exported so that a test can check its plan: an index search over
 * the endpoint's due heads, then one row fetched per head.
 */
export const DUE_HEADS_SQL = `SELECT ${HEAD_COLUMNS}
  FROM delivery_queues q INDEXED BY delivery_queues_endpoint_due
  JOIN deliveries d ON d.seq_no = q.head_seq_no
  WHERE q.webhook_id = ? AND q.due_at IS NOT NULL AND q.due_at <= ?
  ORDER BY q.due_at, q.head_seq_no LIMIT ?`;

/**
 * The endpoints with unparked heads: a skip scan of the endpoint index (a recursive query, since
 * SQLite has no loose index scan), two seeks per endpoint however many heads each has.
 */
export const DUE_ENDPOINTS_SQL = `WITH RECURSIVE e(id) AS (
    SELECT (SELECT min(webhook_id) FROM delivery_queues INDEXED BY delivery_queues_endpoint_due
            WHERE due_at IS NOT NULL)
    UNION ALL
    SELECT (SELECT min(webhook_id) FROM delivery_queues INDEXED BY delivery_queues_endpoint_due
            WHERE due_at IS NOT NULL AND webhook_id > e.id)
    FROM e WHERE e.id IS NOT NULL)
  SELECT e.id AS webhook_id,
    (SELECT min(due_at) FROM delivery_queues INDEXED BY delivery_queues_endpoint_due
     WHERE webhook_id = e.id AND due_at IS NOT NULL) AS due_at
  FROM e WHERE e.id IS NOT NULL`;

/** The open delivery after a given one in its queue: one seek in the open-deliveries index. */
export const NEXT_IN_QUEUE_SQL = `SELECT ${HEAD_COLUMNS}, d.next_attempt_at
  FROM deliveries d INDEXED BY deliveries_open_queue
  WHERE d.webhook_id = ? AND d.ordering_key = ? AND d.${OPEN} AND d.seq_no > ?
  ORDER BY d.seq_no LIMIT 1`;

/** Finding one queue's head: one seek in the open-deliveries index. */
export const QUEUE_HEAD_SQL = `INSERT INTO delivery_queues (webhook_id, ordering_key, head_seq_no, due_at)
  SELECT d.webhook_id, d.ordering_key, d.seq_no, ${ACTIVE_DUE}
  FROM deliveries d INDEXED BY deliveries_open_queue LEFT JOIN webhooks w ON w.id = d.webhook_id
  WHERE d.webhook_id = ? AND d.ordering_key = ? AND d.${OPEN}
  ORDER BY d.seq_no LIMIT 1
  ${UPSERT}`;

/**
 * The heads of every open queue of one endpoint, each found with one group of the open-deliveries
 * index (the migration that introduced the table ran the same query over every endpoint).
 */
const ENDPOINT_HEADS_SQL = `INSERT INTO delivery_queues (webhook_id, ordering_key, head_seq_no, due_at)
  SELECT h.webhook_id, h.ordering_key, h.seq_no, ${ACTIVE_DUE}
  FROM (SELECT webhook_id, ordering_key, min(seq_no) AS seq_no FROM deliveries
        WHERE webhook_id = ? AND ${OPEN} GROUP BY webhook_id, ordering_key) h
  JOIN deliveries d ON d.seq_no = h.seq_no LEFT JOIN webhooks w ON w.id = h.webhook_id
  WHERE true
  ${UPSERT}`;

export function createDeliveryQueues(sqlite: Database.Database): DeliveryQueues {
  const open = sqlite.prepare(
    `INSERT INTO delivery_queues (webhook_id, ordering_key, head_seq_no, due_at)
     VALUES (?, ?, ?, ?) ON CONFLICT (webhook_id, ordering_key) DO NOTHING`,
  );
  const head = sqlite.prepare(QUEUE_HEAD_SQL);
  const close = sqlite.prepare(
    "DELETE FROM delivery_queues WHERE webhook_id = ? AND ordering_key = ?",
  );
  const endpointHeads = sqlite.prepare(ENDPOINT_HEADS_SQL);
  const closeEmpty = sqlite.prepare(
    `DELETE FROM delivery_queues WHERE webhook_id = ? AND NOT EXISTS (
       SELECT 1 FROM deliveries d WHERE d.webhook_id = delivery_queues.webhook_id
         AND d.ordering_key = delivery_queues.ordering_key AND d.${OPEN})`,
  );
  const parkAll = sqlite.prepare("UPDATE delivery_queues SET due_at = NULL WHERE webhook_id = ?");
  const due = sqlite.prepare(DUE_HEADS_SQL);
  const endpoints = sqlite.prepare(DUE_ENDPOINTS_SQL);
  const nextInQueue = sqlite.prepare(NEXT_IN_QUEUE_SQL);
  return {
    opened(webhookId, orderingKey, seqNo, dueAt, active) {
      open.run(webhookId, orderingKey, seqNo, active ? dueAt : null);
    },
    refresh(webhookId, orderingKey) {
      if (head.run(webhookId, orderingKey).changes === 0) {
        close.run(webhookId, orderingKey);
      }
    },
    refreshEndpoint(webhookId) {
      endpointHeads.run(webhookId);
      closeEmpty.run(webhookId);
    },
    park(webhookId) {
      parkAll.run(webhookId);
    },
    due(webhookId, at, limit) {
      return due.all(webhookId, at, limit) as DueHead[];
    },
    dueEndpoints() {
      return endpoints.all() as EndpointDue[];
    },
    nextAfter(webhookId, orderingKey, afterSeqNo, at) {
      const row = nextInQueue.get(webhookId, orderingKey, afterSeqNo) as
        | (DueHead & { next_attempt_at: number | null })
        | undefined;
      return row && row.next_attempt_at !== null && row.next_attempt_at <= at ? row : undefined;
    },
  };
}

/**
 * Parks (disabled or deleted endpoint) or releases (enabled again) an endpoint's queues: parked
 * heads are out of the due index, so a disabled endpoint's backlog costs the dispatcher nothing
 * and goes out again, in order, when it is re-enabled. For the subscription store, which speaks
 * drizzle; call it in the transaction that changes the endpoint.
 */
export function setQueuesActive(db: Pick<Db, "run">, webhookId: string, active: boolean): void {
  db.run(
    active
      ? sql`UPDATE delivery_queues SET due_at = (
          SELECT d.next_attempt_at FROM deliveries d WHERE d.seq_no = delivery_queues.head_seq_no)
        WHERE webhook_id = ${webhookId}`
      : sql`UPDATE delivery_queues SET due_at = NULL WHERE webhook_id = ${webhookId}`,
  );
}
