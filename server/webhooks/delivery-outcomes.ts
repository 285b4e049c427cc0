/**
 * What an attempt comes to: it is written to the delivery log, the delivery succeeds, waits for
 * its next retry or, once the schedule is spent, becomes `dead` (kept, and retryable by hand);
 * its queue's head moves on; the endpoint's failure clock runs or stops. 410 Gone disables the
 * endpoint at once; an endpoint with no success for `disableAfterMs` is disabled with a reason.
 *
 * Retries follow the schedule (±20 % jitter, `Retry-After` honoured within [base, 2×base]).
 * @module
 */
import type Database from "better-sqlite3";
import type { Entropy } from "../domain/ids";
import type { Logger } from "../logger";
import { createDeliveryQueues } from "./delivery-queues";
import { accepted, type SendResult } from "./sender";
import type { Subscription, SubscriptionStore } from "./subscriptions";

/** The delivery an attempt was for. */
export interface AttemptedDelivery {
  id: string;
  webhook_id: string;
  ordering_key: string;
  attempt_count: number;
}

/**
 * One attempt as the dispatcher reports it (plain JSON: it travels in the replicated log, and
 * every node records it alike); `result` absent means the delivery could not be sent at all.
 */
export interface AttemptOutcome {
  delivery: AttemptedDelivery;
  webhookId: string;
  result?: SendResult;
  at: number;
}

export interface DeliveryOutcomes {
  /** Records one attempt's result; call inside a transaction. */
  record(delivery: AttemptedDelivery, sub: Subscription, result: SendResult, at: number): void;
  /** Gives up on a delivery that cannot be sent at all (its event is gone). */
  abandon(delivery: AttemptedDelivery): void;
  /** Records what the dispatcher reported; call inside a transaction (a write of the log). */
  recordAll(outcomes: AttemptOutcome[]): void;
}

export function createDeliveryOutcomes(options: {
  sqlite: Database.Database;
  logger: Logger;
  now: () => number;
  /** Retry jitter comes from it (the applied log entry's, alike on every node). */
  entropy: Entropy;
  subscriptions: SubscriptionStore;
  /** Seconds to wait before each retry. */
  schedule: number[];
  disableAfterMs: number;
}): DeliveryOutcomes {
  const { sqlite, logger, now, subscriptions, schedule, disableAfterMs } = options;
  const jitter = () => options.entropy.bytes(4).readUInt32BE(0) / 0x1_0000_0000;
  const queues = createDeliveryQueues(sqlite);
  const recordAttempt = sqlite.prepare(
    `INSERT INTO delivery_attempts (delivery_id, attempted_at, status_code, duration_ms, error, response)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const settleRow = sqlite.prepare(
    `UPDATE deliveries SET status = ?, attempt_count = attempt_count + 1, next_attempt_at = ?,
       last_status_code = ?, updated_at = ? WHERE id = ?`,
  );

  /** Sets a delivery's state and moves its queue's head on, in one step. */
  const settle = (
    delivery: AttemptedDelivery,
    status: "succeeded" | "retrying" | "dead",
    next: number | null,
    code: number | null,
  ) => {
    settleRow.run(status, next, code, now(), delivery.id);
    queues.refresh(delivery.webhook_id, delivery.ordering_key);
  };

  /** Seconds until the next attempt, or undefined when the schedule is spent. */
  const retryDelay = (attemptsMade: number, result: SendResult): number | undefined => {
    const base = schedule[attemptsMade - 1];
    if (base === undefined) {
      return undefined;
    }
    if (result.retryAfterSeconds !== undefined) {
      return Math.min(Math.max(result.retryAfterSeconds, base), 2 * base);
    }
    return base * (0.8 + jitter() * 0.4);
  };

  const outcomes: DeliveryOutcomes = {
    record(delivery, sub, result, at) {
      const ok = accepted(result);
      recordAttempt.run(
        delivery.id,
        at,
        result.status ?? null,
        result.durationMs,
        result.error ?? null,
        result.response,
      );
      if (ok) {
        settle(delivery, "succeeded", null, result.status ?? null);
      } else {
        const delay =
          result.status === 410 ? undefined : retryDelay(delivery.attempt_count + 1, result);
        const next = delay === undefined ? null : now() + Math.round(delay * 1000);
        settle(delivery, next === null ? "dead" : "retrying", next, result.status ?? null);
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
    },
    abandon(delivery) {
      sqlite.transaction(() => settle(delivery, "dead", null, null))();
    },
    recordAll(reported) {
      for (const { delivery, webhookId, result, at } of reported) {
        const sub = subscriptions.byId(webhookId);
        if (!result) {
          outcomes.abandon(delivery);
        } else if (sub) {
          outcomes.record(delivery, sub, result, at);
        }
      }
    },
  };
  return outcomes;
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
