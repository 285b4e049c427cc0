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
import type { AttemptOutcome } from "./delivery-outcomes";
import { createDeliveryQueues, type DeliveryQueues, type DueHead } from "./delivery-queues";
import { createDeliveryRequests, type DeliveryRequests } from "./delivery-requests";
import { InFlight } from "./in-flight";
import type { Sender, SendResult } from "./sender";
import type { Subscription, SubscriptionStore } from "./subscriptions";

export interface DispatcherOptions {
  sqlite: Database.Database;
  logger: Logger;
  now: () => number;
  sender: Sender;
  subscriptions: SubscriptionStore;
  /** `domain` of bbb bodies. */
  domain: string;
  maxInFlight?: number;
  maxPerEndpoint?: number;
  /**
   * Records what attempts came to; resolves once recorded here. In a cluster this is a write of
   * the log, so every node's delivery log and queues agree, and a queue stays busy until then.
   */
  recordOutcomes(outcomes: AttemptOutcome[]): Promise<void>;
  /** Whether this node sends for an endpoint (its partition's lease); all of them by default. */
  owns?: (webhookId: string) => boolean;
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
  /** Absent when the delivery could not be sent at all. */
  result: SendResult | undefined;
  at: number;
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  return new DeliveryDispatcher(options);
}

class DeliveryDispatcher implements Dispatcher {
  readonly #options: DispatcherOptions;
  readonly #maxInFlight: number;
  readonly #queues: DeliveryQueues;
  readonly #requests: DeliveryRequests;
  readonly #inFlight: InFlight;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #pumping = false;
  #idle: (() => void) | undefined;
  #wakeScheduled = false;
  /** Requests that came back, waiting to be recorded with the others of their turn. */
  #finished: Finished[] = [];

  constructor(options: DispatcherOptions) {
    const { sqlite } = options;
    this.#options = options;
    this.#maxInFlight = options.maxInFlight ?? 128;
    this.#inFlight = new InFlight(options.maxPerEndpoint ?? 16);
    this.#queues = createDeliveryQueues(sqlite);
    this.#requests = createDeliveryRequests({ sqlite, domain: options.domain });
  }

  start(): void {
    this.#running = true;
    this.#pump();
  }

  /** Coalesces wake-ups into one pass on the next turn. */
  wake(): void {
    if (!this.#wakeScheduled) {
      this.#wakeScheduled = true;
      setImmediate(() => {
        this.#wakeScheduled = false;
        this.#pump();
      });
    }
  }

  async stop(graceMs = 2000): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    if (this.#inFlight.busy > 0) {
      await new Promise<void>((resolve) => {
        this.#idle = resolve;
        setTimeout(resolve, graceMs).unref();
      });
    }
    this.#options.sender.close();
  }

  #pump(): void {
    if (!this.#running || this.#pumping) {
      return;
    }
    this.#pumping = true;
    try {
      while (this.#inFlight.size < this.#maxInFlight) {
        // Endpoints at their concurrency limit are left out, so one slow endpoint's backlog
        // cannot fill the window and starve the others. The page has room for every busy head
        // (its request out, or its outcome being recorded) and a full window of heads that can go.
        const excluded = [...this.#inFlight.saturatedEndpoints(), ...this.#notOwned()];
        const page = this.#maxInFlight + this.#inFlight.busy;
        const rows = this.#queues.due(this.#options.now(), excluded, page);
        if (this.#launchPage(rows) === 0) {
          break;
        }
      }
    } catch (error) {
      this.#options.logger.error({ err: error }, "webhook dispatcher pass failed");
    } finally {
      this.#pumping = false;
    }
    this.#scheduleNext();
  }

  /** Launches what it can of one page of due heads; returns how many went out. */
  #launchPage(rows: DueHead[]): number {
    let launched = 0;
    for (const row of rows) {
      if (this.#inFlight.size >= this.#maxInFlight) {
        break;
      }
      if (this.#inFlight.blocks(row)) {
        continue;
      }
      if (row.status !== "pending" && row.status !== "retrying") {
        // Not a head any more (it cannot happen while every writer keeps the heads): heal it.
        this.#queues.refresh(row.webhook_id, row.ordering_key);
        continue;
      }
      const sub = this.#options.subscriptions.byId(row.webhook_id);
      if (!sub?.enabled || sub.deletedAt !== null) {
        this.#queues.park(row.webhook_id);
        continue;
      }
      if (this.#launch(row, sub)) {
        launched += 1;
      }
    }
    return launched;
  }

  /** Sends one queue head; false when it cannot be sent at all (and is given up). */
  #launch(row: DueHead, sub: Subscription): boolean {
    const at = this.#options.now();
    const request = this.#requests.build(row, sub, at);
    if (!request) {
      // Its event is gone: recorded as given up (the queue stays busy until then).
      this.#inFlight.add(row);
      this.#inFlight.answered(row);
      this.#finished.push({ row, sub, result: undefined, at });
      if (this.#finished.length === 1) {
        setImmediate(() => void this.#recordFinished());
      }
      return false;
    }
    this.#inFlight.add(row);
    this.#options.sender.send(request).then((result) => {
      this.#inFlight.answered(row);
      this.#finished.push({ row, sub, result, at });
      if (this.#finished.length === 1) {
        setImmediate(() => void this.#recordFinished());
      }
    });
    return true;
  }

  /** Endpoints with due work that another node sends for (their partition is not leased here). */
  #notOwned(): string[] {
    const owns = this.#options.owns;
    return owns ? this.#queues.dueEndpoints().filter((id) => !owns(id)) : [];
  }

  /** Records the requests that came back this turn: one write, not one per delivery. */
  async #recordFinished(): Promise<void> {
    const batch = this.#finished;
    this.#finished = [];
    // The requests that came back freed their places: other queues' heads go while this records.
    this.#pump();
    try {
      await this.#options.recordOutcomes(
        batch.map((f) => ({
          delivery: {
            id: f.row.id,
            webhook_id: f.row.webhook_id,
            ordering_key: f.row.ordering_key,
            attempt_count: f.row.attempt_count,
          },
          webhookId: f.sub.id,
          ...(f.result ? { result: f.result } : {}),
          at: f.at,
        })),
      );
    } catch (error) {
      // Not recorded: the deliveries stay open and go again (same webhook-id).
      this.#options.logger.error(
        { err: error, count: batch.length },
        "delivery outcomes not recorded",
      );
    }
    for (const f of batch) {
      this.#inFlight.recorded(f.row);
      if (f.result) {
        this.#options.onAttempt?.(f.row.id, f.result);
      }
    }
    if (this.#inFlight.busy === 0) {
      this.#idle?.();
    }
    this.#pump();
  }

  /**
   * Sleeps until the earliest due head (at most a second, so new work is never missed for long).
   * While requests are out, their completions wake the dispatcher instead.
   */
  #scheduleNext(): void {
    if (!this.#running) {
      return;
    }
    clearTimeout(this.#timer);
    const at = this.#inFlight.busy > 0 ? undefined : this.#queues.nextDueAt();
    const wait = at === undefined ? 1000 : Math.min(1000, Math.max(5, at - this.#options.now()));
    this.#timer = setTimeout(() => this.#pump(), wait);
    this.#timer.unref();
  }
}
