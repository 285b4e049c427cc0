/**
 * What the dispatcher has out: the requests, the queues they head (busy until their outcome is
 * recorded), requests per endpoint (only endpoints with some out) and the endpoints at their
 * limit. A request that came back frees its place in the window and its endpoint's count at once,
 * while its queue stays busy until the outcome is recorded (a write through the log, which takes
 * a broker round trip): other queues go on meanwhile, and a queue's order is kept. Kept as they
 * change, so a dispatcher pass costs nothing per idle endpoint.
 * @module
 */
import type { DueHead } from "./delivery-queues";

const queueKey = (row: DueHead) => `${row.webhook_id}\u0000${row.ordering_key}`;

export class InFlight {
  readonly #maxPerEndpoint: number;
  readonly #requests = new Set<string>();
  readonly #busyQueues = new Set<string>();
  readonly #perEndpoint = new Map<string, number>();
  readonly #saturated = new Set<string>();

  constructor(maxPerEndpoint: number) {
    this.#maxPerEndpoint = maxPerEndpoint;
  }

  /** Requests out now. */
  get size(): number {
    return this.#requests.size;
  }

  /** Queues waiting for a request or for its outcome to be recorded. */
  get busy(): number {
    return this.#busyQueues.size;
  }

  /** Endpoints with `maxPerEndpoint` requests out: the next pass leaves their queues alone. */
  saturatedEndpoints(): string[] {
    return [...this.#saturated];
  }

  /** Whether `row` cannot go now: its queue already has a request out, or its endpoint is full. */
  blocks(row: DueHead): boolean {
    return this.#busyQueues.has(queueKey(row)) || this.#saturated.has(row.webhook_id);
  }

  add(row: DueHead): void {
    this.#requests.add(row.id);
    this.#busyQueues.add(queueKey(row));
    const count = (this.#perEndpoint.get(row.webhook_id) ?? 0) + 1;
    this.#perEndpoint.set(row.webhook_id, count);
    if (count >= this.#maxPerEndpoint) {
      this.#saturated.add(row.webhook_id);
    }
  }

  /** The request came back (or was never made): its place in the window is free. */
  answered(row: DueHead): void {
    if (!this.#requests.delete(row.id)) {
      return;
    }
    const count = (this.#perEndpoint.get(row.webhook_id) ?? 1) - 1;
    if (count > 0) {
      this.#perEndpoint.set(row.webhook_id, count);
    } else {
      this.#perEndpoint.delete(row.webhook_id);
    }
    if (count < this.#maxPerEndpoint) {
      this.#saturated.delete(row.webhook_id);
    }
  }

  /** Its outcome is recorded: the queue's next delivery may go. */
  recorded(row: DueHead): void {
    this.answered(row);
    this.#busyQueues.delete(queueKey(row));
  }
}
