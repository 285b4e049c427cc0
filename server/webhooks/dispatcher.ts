/**
 * The dispatcher: sends due deliveries, in order per endpoint and conference, with bounded
 * concurrency overall and per endpoint. A failing endpoint holds back only its own later
 * deliveries for that conference, never another endpoint's.
 *
 * Each pass picks due queue heads from `delivery_queues` (see delivery-queues.ts) endpoint by
 * endpoint, skipping endpoints at their limit without reading their heads, so its cost does not
 * grow with the number of deliveries waiting: a deep backlog drains in time linear in its depth
 * and leaves the event loop to ingest. An ordered queue whose delivery was answered with success
 * sends its next delivery at once, while that outcome is still being recorded (a log round trip):
 * order is kept (one request out per queue, the next only after a success), and a burst in one
 * conference is not paced by the recording. What an attempt comes to is recorded by
 * delivery-outcomes.ts, one write per turn; requests are built by delivery-requests.ts.
 * @module
 */
import type Database from "better-sqlite3";
import type { Logger } from "../logger";
import type { AttemptOutcome } from "./delivery-outcomes";
import { createDeliveryQueues, type DeliveryQueues, type DueHead } from "./delivery-queues";
import { createDeliveryRequests, type DeliveryRequests } from "./delivery-requests";
import { pickDue } from "./due-pick";
import { InFlight, queueKey } from "./in-flight";
import { type Finished, OutcomeBatches } from "./outcome-batches";
import { accepted, type Sender, type SendResult } from "./sender";
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
  readonly #outcomes: OutcomeBatches;
  /**
   * Ordered queues whose last request succeeded and whose next delivery may go before that
   * outcome is recorded, by queue, with the delivery last sent.
   */
  readonly #advancing = new Map<string, DueHead>();
  /** Rotates which endpoint a pass serves first, so none waits behind the others. */
  #turn = 0;

  constructor(options: DispatcherOptions) {
    const { sqlite } = options;
    this.#options = options;
    this.#maxInFlight = options.maxInFlight ?? 128;
    this.#inFlight = new InFlight(options.maxPerEndpoint ?? 16);
    this.#queues = createDeliveryQueues(sqlite);
    this.#requests = createDeliveryRequests({ sqlite, domain: options.domain });
    this.#outcomes = new OutcomeBatches({
      record: options.recordOutcomes,
      recorded: (batch) => this.#recorded(batch),
      logger: options.logger,
    });
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
        if (this.#advance() + this.#pickDue() === 0) {
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

  /** Sends the next delivery of the ordered queues whose last one succeeded; returns how many. */
  #advance(): number {
    let launched = 0;
    for (const [key, last] of this.#advancing) {
      if (this.#inFlight.size >= this.#maxInFlight) {
        break;
      }
      if (this.#inFlight.saturated(last.webhook_id)) {
        continue;
      }
      this.#advancing.delete(key);
      if (this.#sendNext(last)) {
        launched += 1;
      }
    }
    return launched;
  }

  /** `#sendNext` outside a pass: a failure is logged and left to the next pass. */
  #trySendNext(last: DueHead): boolean {
    try {
      return this.#sendNext(last);
    } catch (error) {
      this.#options.logger.error(
        { err: error },
        "webhook dispatcher could not send the next delivery",
      );
      return false;
    }
  }

  /** Sends the delivery after `last` in its ordered queue, if one is due; whether it went. */
  #sendNext(last: DueHead): boolean {
    const sub = this.#sendsFor(last.webhook_id);
    const next =
      sub &&
      this.#queues.nextAfter(last.webhook_id, last.ordering_key, last.seq_no, this.#options.now());
    return Boolean(sub && next && this.#launch(next, sub));
  }

  /** Picks due queue heads endpoint by endpoint (due-pick.ts); returns how many went out. */
  #pickDue(): number {
    this.#turn += 1;
    return pickDue({
      queues: this.#queues,
      inFlight: this.#inFlight,
      maxInFlight: this.#maxInFlight,
      at: this.#options.now(),
      turn: this.#turn,
      sendsFor: (webhookId) => this.#sendsFor(webhookId),
      launch: (row, sub) => this.#launch(row, sub),
    });
  }

  /**
   * The endpoint when this node sends for it now; an endpoint disabled or deleted meanwhile has
   * its queues parked instead.
   */
  #sendsFor(webhookId: string): Subscription | undefined {
    if (this.#options.owns && !this.#options.owns(webhookId)) {
      return undefined;
    }
    const sub = this.#options.subscriptions.byId(webhookId);
    if (!sub?.enabled || sub.deletedAt !== null) {
      this.#queues.park(webhookId);
      return undefined;
    }
    return sub;
  }

  /** Sends one delivery; false when it cannot be sent at all (and is given up). */
  #launch(row: DueHead, sub: Subscription): boolean {
    const at = this.#options.now();
    const request = this.#requests.build(row, sub, at);
    if (!request) {
      // Its event is gone: recorded as given up (the queue stays busy until then).
      this.#inFlight.add(row);
      this.#inFlight.answered(row);
      this.#finish({ row, sub, result: undefined, at });
      return false;
    }
    this.#inFlight.add(row);
    this.#options.sender.send(request).then((result) => {
      this.#inFlight.answered(row);
      if (accepted(result) && sub.ordered && this.#running) {
        // The next of the queue goes at once when there is room; else with the next pass.
        const room =
          this.#inFlight.size < this.#maxInFlight && !this.#inFlight.saturated(row.webhook_id);
        if (!(room && !this.#pumping && this.#trySendNext(row))) {
          this.#advancing.set(queueKey(row), row);
        }
      }
      this.#finish({ row, sub, result, at });
    });
    return true;
  }

  #finish(finished: Finished): void {
    this.#outcomes.add(finished);
    // The request that came back freed its place: other queues' heads go while it is recorded.
    this.wake();
  }

  /** A batch of outcomes is recorded: its queues' next deliveries may be picked. */
  #recorded(batch: Finished[]): void {
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
    const at =
      this.#inFlight.busy > 0
        ? undefined
        : Math.min(...this.#queues.dueEndpoints().map((endpoint) => endpoint.due_at));
    const wait =
      at === undefined || !Number.isFinite(at)
        ? 1000
        : Math.min(1000, Math.max(5, at - this.#options.now()));
    this.#timer = setTimeout(() => this.#pump(), wait);
    this.#timer.unref();
  }
}
