/**
 * A token bucket: `capacity` messages at once, refilled at `refillPerSecond` (blackhole's
 * per-session limit is 100 and 10/s).
 * @module
 */
export class TokenBucket {
  #tokens: number;
  #last: number;
  readonly #capacity: number;
  readonly #refillPerMs: number;
  readonly #now: () => number;

  constructor(options: { capacity: number; refillPerSecond: number; now: () => number }) {
    this.#capacity = options.capacity;
    this.#refillPerMs = options.refillPerSecond / 1000;
    this.#now = options.now;
    this.#tokens = options.capacity;
    this.#last = options.now();
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#last) * this.#refillPerMs);
    this.#last = now;
    if (this.#tokens < 1) {
      return false;
    }
    this.#tokens -= 1;
    return true;
  }
}
