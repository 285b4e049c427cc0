/**
 * What the dispatcher has out: the requests, the queues they belong to (busy until every
 * delivery sent from them is recorded), requests per endpoint and the endpoints at their limit. A
 * request that came back frees its place in the window and its endpoint's count at once, while
 * its queue stays busy until the outcome is recorded (a write through the log, which takes a
 * broker round trip): other queues go on meanwhile, and no pick sends a queue's head twice. Kept as
 * they change, so a dispatcher pass costs nothing per idle endpoint.
 * @module
 */
import type { DueHead } from "./delivery-queues";

/** A queue's identity: its endpoint and ordering key. */
export const queueKey = (row: Pick<DueHead, "webhook_id" | "ordering_key">) =>
  `${row.webhook_id}\u0000${row.ordering_key}`;

const increment = (map: Map<string, number>, key: string, by: number): number => {
  const count = (map.get(key) ?? 0) + by;
  if (count > 0) {
    map.set(key, count);
  } else {
    map.delete(key);
  }
  return count;
};

export class InFlight {
  readonly #maxPerEndpoint: number;
  readonly #requests = new Set<string>();
  /** Deliveries sent from each queue and not yet recorded. */
  readonly #busyQueues = new Map<string, number>();
  /** Busy queues per endpoint. */
  readonly #busyPerEndpoint = new Map<string, number>();
  readonly #perEndpoint = new Map<string, number>();
  readonly #saturated = new Set<string>();

  constructor(maxPerEndpoint: number) {
    this.#maxPerEndpoint = maxPerEndpoint;
  }

  /** Requests out now. */
  get size(): number {
    return this.#requests.size;
  }

  /** Queues waiting for a request or for outcomes to be recorded. */
  get busy(): number {
    return this.#busyQueues.size;
  }

  /** Whether an endpoint has `maxPerEndpoint` requests out: passes leave its queues alone. */
  saturated(webhookId: string): boolean {
    return this.#saturated.has(webhookId);
  }

  /** Requests an endpoint may still have out. */
  room(webhookId: string): number {
    return this.#maxPerEndpoint - (this.#perEndpoint.get(webhookId) ?? 0);
  }

  /** Busy queues of an endpoint: their heads come first in its due pick and are passed over. */
  busyOf(webhookId: string): number {
    return this.#busyPerEndpoint.get(webhookId) ?? 0;
  }

  /** Whether `row` cannot go now: its queue is busy, or its endpoint is full. */
  blocks(row: DueHead): boolean {
    return this.#busyQueues.has(queueKey(row)) || this.#saturated.has(row.webhook_id);
  }

  add(row: DueHead): void {
    this.#requests.add(row.id);
    if (increment(this.#busyQueues, queueKey(row), 1) === 1) {
      increment(this.#busyPerEndpoint, row.webhook_id, 1);
    }
    if (increment(this.#perEndpoint, row.webhook_id, 1) >= this.#maxPerEndpoint) {
      this.#saturated.add(row.webhook_id);
    }
  }

  /** The request came back (or was never made): its place in the window is free. */
  answered(row: DueHead): void {
    if (!this.#requests.delete(row.id)) {
      return;
    }
    if (increment(this.#perEndpoint, row.webhook_id, -1) < this.#maxPerEndpoint) {
      this.#saturated.delete(row.webhook_id);
    }
  }

  /** Its outcome is recorded: once all of its queue's are, the queue's head may be picked. */
  recorded(row: DueHead): void {
    this.answered(row);
    if (increment(this.#busyQueues, queueKey(row), -1) === 0) {
      increment(this.#busyPerEndpoint, row.webhook_id, -1);
    }
  }
}
