/**
 * How an endpoint is doing, for the operator's glance at a subscription (`_read_only`): enabled,
 * failing or disabled, its latest attempt, and how many deliveries wait. Computed on every read
 * with one statement per subscription that reads only what indexes reach: the open deliveries
 * (the partial index `deliveries_open_queue`), the 50 newest (`deliveries_webhook`), and the
 * latest attempt of each of those (`delivery_attempts_delivery`). Nothing is written on the
 * delivery path for it.
 *
 * Whether the latest outcome failed is exact: the subscription row's `failing_since` is set on the
 * first failure and cleared on the next success. The latest attempt's time and status are taken
 * among the newest and the open deliveries, which always hold it but for one case: a delivery
 * older than the 50 newest, retried by hand and already settled again.
 * @module
 */
import type Database from "better-sqlite3";
import type { z } from "zod";
import type { endpointHealth } from "../../protocol/webhooks";
import type { Subscription } from "./subscription-body";

/** The `_read_only` of a subscription. */
export type EndpointHealth = z.infer<typeof endpointHealth>;

/** How many of the newest deliveries are searched for the latest attempt. */
const RECENT_DELIVERIES = 50;

const HEALTH_SQL = `
WITH open AS MATERIALIZED (
  SELECT id, status, attempt_count FROM deliveries INDEXED BY deliveries_open_queue
  WHERE webhook_id = @id AND status IN ('pending', 'retrying')
),
candidates AS (
  SELECT id FROM (SELECT id FROM deliveries WHERE webhook_id = @id ORDER BY seq_no DESC LIMIT ${RECENT_DELIVERIES})
  UNION
  SELECT id FROM open WHERE attempt_count > 0
),
latest AS (
  SELECT a.attempted_at, a.status_code, a.error
  FROM (SELECT (SELECT max(id) FROM delivery_attempts WHERE delivery_id = c.id) AS attempt_id
        FROM candidates c) l
  JOIN delivery_attempts a ON a.id = l.attempt_id
  ORDER BY a.id DESC LIMIT 1
)
SELECT
  (SELECT count(*) FROM open WHERE status = 'pending') AS pending,
  (SELECT count(*) FROM open WHERE status = 'retrying') AS retrying,
  latest.attempted_at, latest.status_code, latest.error
FROM (SELECT 1) LEFT JOIN latest`;

interface HealthRow {
  pending: number;
  retrying: number;
  attempted_at: number | null;
  status_code: number | null;
  error: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Returns the reader of an endpoint's health; the statement is prepared once. */
export function createEndpointHealth(
  sqlite: Database.Database,
): (sub: Subscription) => EndpointHealth {
  const statement = sqlite.prepare(HEALTH_SQL);
  return (sub) => {
    const row = statement.get({ id: sub.id }) as HealthRow;
    const failing = sub.failingSince !== null || row.retrying > 0;
    return {
      state: !sub.enabled ? "disabled" : failing ? "failing" : "enabled",
      failing_since: iso(sub.failingSince),
      last_attempt_at: iso(row.attempted_at),
      last_status_code: row.status_code,
      last_error: row.error,
      pending: row.pending,
      retrying: row.retrying,
    };
  };
}
