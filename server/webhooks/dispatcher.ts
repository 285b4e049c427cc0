/**
 * The dispatcher: sends due deliveries, in order per endpoint and conference, with bounded
 * concurrency overall and per endpoint. A failing endpoint holds back only its own later
 * deliveries for that conference, never another endpoint's.
 *
 * Each pass picks due queue heads from `delivery_queues` (see delivery-queues.ts), so its cost
 * does not grow with the number of deliveries waiting behind them: a deep backlog drains in time
 * linear in its depth and leaves the event loop to ingest. What an attempt comes to is recorded
 * by delivery-outcomes.ts, one transaction per turn; requests are built by delivery-requests.ts.
 * @module
 */
import type Database from "better-sqlite3";
import type { Logger } from "../logger";
import { createDeliveryOutcomes } from "./delivery-outcomes";
import { createDeliveryQueues, type DueHead } from "./delivery-queues";
import { createDeliveryRequests } from "./delivery-requests";
import type { Sender, SendResult } from "./sender";
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

/** A request that came back, waiting to be recorded with the others of its turn. */
interface Finished {
  row: DueHead;
  sub: Subscription;
  result: SendResult;
  at: number;
}

const queueKey = (row: DueHead) => `${row.webhook_id}\u0000${row.ordering_key}`;

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { sqlite, logger, now, sender, subscriptions } = options;
  const maxInFlight = options.maxInFlight ?? 128;
  const maxPerEndpoint = options.maxPerEndpoint ?? 16;
  const queues = createDeliveryQueues(sqlite);
  const requests = createDeliveryRequests({ sqlite, domain: options.domain });
  const outcomes = createDeliveryOutcomes({
    sqlite,
    logger,
    now,
    subscriptions,
    schedule: options.schedule,
    disableAfterMs: options.disableAfterMs ?? 5 * 24 * 60 * 60 * 1000,
  });

  // What is out: requests, the queues they head (busy until recorded), requests per endpoint
  // (only endpoints with some out) and the endpoints at their limit, kept as they change so a
  // pass costs nothing per idle endpoint.
  const inFlight = new Set<string>();
  const busyKeys = new Set<string>();
  const perEndpoint = new Map<string, number>();
  const saturated = new Set<string>();
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let pumping = false;
  let idle: (() => void) | undefined;
  let wakeScheduled = false;
  let finished: Finished[] = [];

  const track = (row: DueHead) => {
    inFlight.add(row.id);
    busyKeys.add(queueKey(row));
    const count = (perEndpoint.get(row.webhook_id) ?? 0) + 1;
    perEndpoint.set(row.webhook_id, count);
    if (count >= maxPerEndpoint) {
      saturated.add(row.webhook_id);
    }
  };

  const untrack = (row: DueHead) => {
    inFlight.delete(row.id);
    busyKeys.delete(queueKey(row));
    const count = (perEndpoint.get(row.webhook_id) ?? 1) - 1;
    if (count > 0) {
      perEndpoint.set(row.webhook_id, count);
    } else {
      perEndpoint.delete(row.webhook_id);
    }
    if (count < maxPerEndpoint) {
      saturated.delete(row.webhook_id);
    }
  };

  /** Records the requests that came back this turn: one transaction, not one per delivery. */
  const recordFinished = () => {
    const batch = finished;
    finished = [];
    try {
      sqlite.transaction(() => {
        for (const f of batch) {
          outcomes.record(f.row, f.sub, f.result, f.at);
        }
      })();
    } catch (error) {
      // Not recorded: the deliveries stay open and go again (same webhook-id).
      logger.error({ err: error, count: batch.length }, "delivery outcomes not recorded");
    }
    for (const f of batch) {
      untrack(f.row);
      options.onAttempt?.(f.row.id, f.result);
    }
    if (inFlight.size === 0) {
      idle?.();
    }
    pump();
  };

  /** Sends one queue head; false when it cannot be sent at all (and is given up). */
  const launch = (row: DueHead, sub: Subscription): boolean => {
    const at = now();
    const request = requests.build(row, sub, at);
    if (!request) {
      outcomes.abandon(row);
      return false;
    }
    track(row);
    sender.send(request).then((result) => {
      finished.push({ row, sub, result, at });
      if (finished.length === 1) {
        setImmediate(recordFinished);
      }
    });
    return true;
  };

  /** Launches what it can of one page of due heads; returns how many went out. */
  const launchPage = (rows: DueHead[]): number => {
    let launched = 0;
    for (const row of rows) {
      if (inFlight.size >= maxInFlight) {
        break;
      }
      if (busyKeys.has(queueKey(row)) || saturated.has(row.webhook_id)) {
        continue;
      }
      if (row.status !== "pending" && row.status !== "retrying") {
        // Not a head any more (it cannot happen while every writer keeps the heads): heal it.
        queues.refresh(row.webhook_id, row.ordering_key);
        continue;
      }
      const sub = subscriptions.byId(row.webhook_id);
      if (!sub?.enabled || sub.deletedAt !== null) {
        queues.park(row.webhook_id);
        continue;
      }
      if (launch(row, sub)) {
        launched += 1;
      }
    }
    return launched;
  };

  const pump = () => {
    if (!running || pumping) {
      return;
    }
    pumping = true;
    try {
      while (inFlight.size < maxInFlight) {
        // Endpoints at their concurrency limit are left out, so one slow endpoint's backlog
        // cannot fill the window and starve the others. The page holds at most `maxInFlight`
        // busy heads, so it always has room for heads that can go.
        const rows = queues.due(now(), [...saturated], maxInFlight * 2);
        if (launchPage(rows) === 0) {
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
   * Sleeps until the earliest due head (at most a second, so new work is never missed for long).
   * While requests are out, their completions wake the dispatcher instead.
   */
  const scheduleNext = () => {
    if (!running) {
      return;
    }
    clearTimeout(timer);
    const at = inFlight.size > 0 ? undefined : queues.nextDueAt();
    const wait = at === undefined ? 1000 : Math.min(1000, Math.max(5, at - now()));
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
