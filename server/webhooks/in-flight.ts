/**
 * What the dispatcher has out: the requests, the queues they head (busy until their outcome is
 * recorded), requests per endpoint (only endpoints with some out) and the endpoints at their
 * limit. Kept as they change, so a dispatcher pass costs nothing per idle endpoint.
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

  remove(row: DueHead): void {
    this.#requests.delete(row.id);
    this.#busyQueues.delete(queueKey(row));
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
}
