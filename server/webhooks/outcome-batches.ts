/**
 * Groups the attempts that came back into outcome writes, with at most two writes out at once:
 * each write goes through the replicated log (a broker round trip and a transaction on every
 * node), so while one is out the next attempts gather into the following one. An ordered burst
 * to one endpoint then costs a write per many deliveries, not one each.
 * @module
 */
import type { Logger } from "../logger";
import type { AttemptOutcome } from "./delivery-outcomes";
import type { DueHead } from "./delivery-queues";
import type { SendResult } from "./sender";
import type { Subscription } from "./subscriptions";

/** An attempt that came back (or could not be made), waiting to be recorded. */
export interface Finished {
  row: DueHead;
  sub: Subscription;
  /** Absent when the delivery could not be sent at all. */
  result: SendResult | undefined;
  at: number;
}

const MAX_WRITES_IN_FLIGHT = 2;

export class OutcomeBatches {
  readonly #record: (outcomes: AttemptOutcome[]) => Promise<void>;
  readonly #recorded: (batch: Finished[]) => void;
  readonly #logger: Logger;
  #waiting: Finished[] = [];
  #writes = 0;
  #scheduled = false;

  constructor(options: {
    record: (outcomes: AttemptOutcome[]) => Promise<void>;
    /** Called once a batch is recorded (or failed to be: its deliveries go again). */
    recorded: (batch: Finished[]) => void;
    logger: Logger;
  }) {
    this.#record = options.record;
    this.#recorded = options.recorded;
    this.#logger = options.logger;
  }

  add(finished: Finished): void {
    this.#waiting.push(finished);
    this.#schedule();
  }

  /** Writes what waits on the next turn, when a write may go out. */
  #schedule(): void {
    if (this.#scheduled || this.#writes >= MAX_WRITES_IN_FLIGHT || this.#waiting.length === 0) {
      return;
    }
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#write();
    });
  }

  async #write(): Promise<void> {
    const batch = this.#waiting;
    if (batch.length === 0) {
      return;
    }
    this.#waiting = [];
    this.#writes += 1;
    try {
      await this.#record(batch.map(outcomeOf));
    } catch (error) {
      // Not recorded: the deliveries stay open and go again (same webhook-id).
      this.#logger.error({ err: error, count: batch.length }, "delivery outcomes not recorded");
    } finally {
      this.#writes -= 1;
    }
    this.#recorded(batch);
    this.#schedule();
  }
}

function outcomeOf(f: Finished): AttemptOutcome {
  return {
    delivery: {
      id: f.row.id,
      webhook_id: f.row.webhook_id,
      ordering_key: f.row.ordering_key,
      attempt_count: f.row.attempt_count,
    },
    webhookId: f.sub.id,
    ...(f.result ? { result: f.result } : {}),
    at: f.at,
  };
}
