/**
 * The dispatcher: sends due deliveries, in order per endpoint and conference, with bounded
 * concurrency overall and per endpoint, and records every attempt. A failing endpoint holds back
 * only its own later deliveries for that conference, never another endpoint's.
 *
 * Retries follow the schedule (±20 % jitter, `Retry-After` honoured within [base, 2×base]); after
 * the last one a delivery is `dead` (kept, retryable). 410 Gone disables the endpoint at once; an
 * endpoint with no success for `disableAfterMs` is disabled with a reason.
 * @module
 */
import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import type { WebhookFormat } from "../../protocol/webhooks";
import type { Logger } from "../logger";
import type { OutboundEvent } from "./derive";
import { render } from "./formats";
import type { Sender, SendResult } from "./sender";
import { signatureHeader } from "./signing";
import type { Subscription, SubscriptionStore } from "./subscriptions";

export interface DispatcherOptions {
  sqlite: Database.Database;
  logger: Logger;
  now: () => number;
  sender: Sender;
  subscriptions: SubscriptionStore;
  /** Seconds to wait before each retry. */
  schedule: number[];
  /** `domain` of bbb bodies. */
  domain: string;
  maxInFlight?: number;
  maxPerEndpoint?: number;
  disableAfterMs?: number;
  /** Called after every attempt (metrics, tests). */
  onAttempt?: (deliveryId: string, result: SendResult) => void;
}

export interface Dispatcher {
  start(): void;
  /** Looks for due deliveries now (after a commit that added some). */
  wake(): void;
  /**
   * Stops taking new deliveries and waits (up to `graceMs`) for those in flight; any still out
   * stay pending and go again on the next start, with the same `webhook-id`.
   */
  stop(graceMs?: number): Promise<void>;
}

interface DueRow {
  seq_no: number;
  id: string;
  webhook_id: string;
  event_id: string;
  variant: number;
  ordering_key: string;
  attempt_count: number;
}

interface EventRow {
  id: string;
  account_id: string;
  conference_id: string | null;
  type: string;
  seq: number | null;
  occurred_at: number;
  data: string;
  raw: string | null;
  extra: string | null;
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { sqlite, logger, now, sender, subscriptions, schedule } = options;
  const maxInFlight = options.maxInFlight ?? 128;
  const maxPerEndpoint = options.maxPerEndpoint ?? 16;
  const disableAfterMs = options.disableAfterMs ?? 5 * 24 * 60 * 60 * 1000;

  // Heads of the per-(endpoint, conference) queues that are due, in event order. The partial
  // indexes keep this a short ordered scan rather than a sort of every open delivery.
  const due = sqlite.prepare(
    `SELECT d.seq_no, d.id, d.webhook_id, d.event_id, d.variant, d.ordering_key, d.attempt_count
     FROM deliveries d INDEXED BY deliveries_open JOIN webhooks w ON w.id = d.webhook_id
     WHERE d.status IN ('pending', 'retrying') AND d.next_attempt_at <= ?
       AND w.enabled = 1 AND w.deleted_at IS NULL
       AND d.webhook_id NOT IN (SELECT value FROM json_each(?))
       AND NOT EXISTS (
         SELECT 1 FROM deliveries e INDEXED BY deliveries_open_queue
         WHERE e.webhook_id = d.webhook_id AND e.ordering_key = d.ordering_key
           AND e.status IN ('pending', 'retrying') AND e.seq_no < d.seq_no)
     ORDER BY d.seq_no LIMIT ?`,
  );
  // Two index look-ups (one per open status), not a scan.
  const nextPending = sqlite.prepare(
    "SELECT min(next_attempt_at) AS at FROM deliveries WHERE status = 'pending'",
  );
  const nextRetry = sqlite.prepare(
    "SELECT min(next_attempt_at) AS at FROM deliveries WHERE status = 'retrying'",
  );
  const eventById = sqlite.prepare("SELECT * FROM webhook_events WHERE id = ?");
  const recordAttempt = sqlite.prepare(
    `INSERT INTO delivery_attempts (delivery_id, attempted_at, status_code, duration_ms, error, response)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const settle = sqlite.prepare(
    `UPDATE deliveries SET status = ?, attempt_count = attempt_count + 1, next_attempt_at = ?,
       last_status_code = ?, updated_at = ? WHERE id = ?`,
  );

  const inFlight = new Set<string>();
  const perEndpoint = new Map<string, number>();
  const busyKeys = new Set<string>();
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let pumping = false;
  let idle: (() => void) | undefined;
  let wakeScheduled = false;

  const toEvent = (row: EventRow): OutboundEvent => ({
    id: row.id,
    accountId: row.account_id,
    conferenceId: row.conference_id,
    type: row.type as OutboundEvent["type"],
    seq: row.seq,
    occurredAt: row.occurred_at,
    data: JSON.parse(row.data),
    raw: row.raw ? JSON.parse(row.raw) : null,
    extra: row.extra ? JSON.parse(row.extra) : {},
  });

  const secretsOf = (sub: Subscription, at: number) =>
    sub.previousSecret && sub.previousSecretUntil !== null && sub.previousSecretUntil > at
      ? [sub.secret, sub.previousSecret]
      : [sub.secret];

  /** Seconds until the next attempt, or undefined when the schedule is spent. */
  const retryDelay = (attemptsMade: number, result: SendResult): number | undefined => {
    const base = schedule[attemptsMade - 1];
    if (base === undefined) {
      return undefined;
    }
    const jittered = base * (0.8 + Math.random() * 0.4);
    if (result.retryAfterSeconds !== undefined) {
      return Math.min(Math.max(result.retryAfterSeconds, base), 2 * base);
    }
    return jittered;
  };

  const complete = (row: DueRow, sub: Subscription, result: SendResult, at: number) => {
    const ok = result.status !== undefined && result.status >= 200 && result.status < 300;
    const attemptsMade = row.attempt_count + 1;
    recordAttempt.run(
      row.id,
      at,
      result.status ?? null,
      result.durationMs,
      result.error ?? null,
      result.response,
    );
    if (ok) {
      settle.run("succeeded", null, result.status, now(), row.id);
    } else {
      const delay = result.status === 410 ? undefined : retryDelay(attemptsMade, result);
      const status = delay === undefined ? "dead" : "retrying";
      const next = delay === undefined ? null : now() + Math.round(delay * 1000);
      settle.run(status, next, result.status ?? null, now(), row.id);
    }
    const updated = subscriptions.recordOutcome(sub.id, ok, at);
    if (result.status === 410) {
      subscriptions.disable(sub.id, "endpoint answered 410 Gone");
      logger.warn({ webhook_id: sub.id }, "webhook endpoint disabled: 410 Gone");
    } else if (
      !ok &&
      updated?.failingSince != null &&
      at - updated.failingSince >= disableAfterMs
    ) {
      subscriptions.disable(sub.id, `no successful delivery for ${spanText(disableAfterMs)}`);
      logger.warn({ webhook_id: sub.id }, "webhook endpoint disabled after repeated failures");
    }
  };

  /** Finished requests waiting to be recorded: one transaction per turn, not per delivery. */
  let finished: Array<{
    row: DueRow;
    sub: Subscription;
    result: SendResult;
    at: number;
    key: string;
  }> = [];
  const recordFinished = () => {
    const batch = finished;
    finished = [];
    try {
      sqlite.transaction(() => {
        for (const f of batch) {
          complete(f.row, f.sub, f.result, f.at);
        }
      })();
    } catch (error) {
      // Not recorded: the deliveries stay open and go again (same webhook-id).
      logger.error({ err: error, count: batch.length }, "delivery outcomes not recorded");
    }
    for (const f of batch) {
      inFlight.delete(f.row.id);
      busyKeys.delete(f.key);
      perEndpoint.set(f.sub.id, (perEndpoint.get(f.sub.id) ?? 1) - 1);
      options.onAttempt?.(f.row.id, f.result);
    }
    if (inFlight.size === 0) {
      idle?.();
    }
    pump();
  };

  const launch = (row: DueRow, sub: Subscription) => {
    const eventRow = eventById.get(row.event_id) as EventRow | undefined;
    const key = `${row.webhook_id}\u0000${row.ordering_key}`;
    if (!eventRow) {
      settle.run("dead", null, null, now(), row.id);
      return;
    }
    const rendered = render(
      sub.format as WebhookFormat,
      toEvent(eventRow),
      row.variant,
      options.domain,
    );
    const at = now();
    const timestamp = Math.floor(at / 1000);
    let url = sub.url;
    if (sub.format === "bbb" && sub.bbbSecret) {
      url = withChecksum(sub.url, rendered.body, sub.bbbSecret);
    }
    inFlight.add(row.id);
    busyKeys.add(key);
    perEndpoint.set(sub.id, (perEndpoint.get(sub.id) ?? 0) + 1);
    sender
      .send({
        url,
        body: rendered.body,
        headers: {
          "content-type": rendered.contentType,
          "webhook-id": row.id,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": signatureHeader(
            secretsOf(sub, at),
            row.id,
            timestamp,
            rendered.body,
          ),
        },
      })
      .then((result) => {
        finished.push({ row, sub, result, at, key });
        if (finished.length === 1) {
          setImmediate(recordFinished);
        }
      });
  };

  const pump = () => {
    if (!running || pumping) {
      return;
    }
    pumping = true;
    try {
      while (inFlight.size < maxInFlight) {
        // Endpoints at their concurrency limit are left out, so one slow endpoint's backlog
        // cannot fill the window and starve the others.
        const saturated = [...perEndpoint].filter(([, n]) => n >= maxPerEndpoint).map(([id]) => id);
        const rows = due.all(now(), JSON.stringify(saturated), maxInFlight * 2) as DueRow[];
        let launched = 0;
        for (const row of rows) {
          if (inFlight.size >= maxInFlight) {
            break;
          }
          const key = `${row.webhook_id}\u0000${row.ordering_key}`;
          if (inFlight.has(row.id) || busyKeys.has(key)) {
            continue;
          }
          if ((perEndpoint.get(row.webhook_id) ?? 0) >= maxPerEndpoint) {
            continue;
          }
          const sub = subscriptions.byId(row.webhook_id);
          if (!sub) {
            continue;
          }
          launch(row, sub);
          launched += 1;
        }
        if (launched === 0) {
          break;
        }
      }
    } catch (error) {
      logger.error({ err: error }, "webhook dispatcher pass failed");
    } finally {
      pumping = false;
    }
    scheduleNext();
  };

  /**
   * Sleeps until the earliest retry (at most a second, so new work is never missed for long).
   * While requests are out, their completions wake the dispatcher instead.
   */
  const scheduleNext = () => {
    if (!running) {
      return;
    }
    clearTimeout(timer);
    if (inFlight.size > 0) {
      timer = setTimeout(pump, 1000);
      timer.unref();
      return;
    }
    const times = [nextPending.get(), nextRetry.get()]
      .map((row) => (row as { at: number | null }).at)
      .filter((at): at is number => at !== null);
    const at = times.length > 0 ? Math.min(...times) : null;
    const wait = at === null ? 1000 : Math.min(1000, Math.max(5, at - now()));
    timer = setTimeout(pump, wait);
    timer.unref();
  };

  /** Coalesces wake-ups into one pass on the next turn. */
  const wake = () => {
    if (!wakeScheduled) {
      wakeScheduled = true;
      setImmediate(() => {
        wakeScheduled = false;
        pump();
      });
    }
  };

  return {
    start() {
      running = true;
      pump();
    },
    wake,
    async stop(graceMs = 2000) {
      running = false;
      clearTimeout(timer);
      if (inFlight.size > 0) {
        await new Promise<void>((resolve) => {
          idle = resolve;
          setTimeout(resolve, graceMs).unref();
        });
      }
      sender.close();
    },
  };
}

/** bbb-webhooks' callback checksum: sha1(callbackURL + body + secret) as a query parameter. */
export function withChecksum(url: string, body: string, secret: string): string {
  const checksum = createHashHex(`${url}${body}${secret}`);
  return `${url}${url.includes("?") ? "&" : "?"}checksum=${checksum}`;
}

function createHashHex(value: string): string {
  return createHash("sha1").update(value, "utf8").digest("hex");
}

/** "5 days", "12 hours", "3 minutes": the disable reason in the unit that reads best. */
function spanText(ms: number): string {
  const [value, unit] =
    ms >= 172_800_000
      ? [ms / 86_400_000, "days"]
      : ms >= 7_200_000
        ? [ms / 3_600_000, "hours"]
        : [ms / 60_000, "minutes"];
  return `${Math.round(value * 10) / 10} ${unit}`;
}
