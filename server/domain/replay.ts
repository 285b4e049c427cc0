/**
 * What makes applying the replicated log deterministic: while an entry is applied, the clock
 * reads the entry's time and randomness is drawn from the entry's id (HMAC-SHA256 in counter
 * mode), so every node that applies the same entry writes the same timestamps, ids and secrets.
 * Outside an entry (reads, work of this node alone) it is the real clock and the operating
 * system's randomness. Applying is synchronous, so one entry at a time is current.
 * @module
 */
import { createHmac, randomBytes } from "node:crypto";
import type { Entropy } from "./ids";

/** The part of a log entry that seeds its application. */
export interface ReplaySeed {
  /** The entry's unique id. */
  id: string;
  /** Unix ms the entry carries. */
  at: number;
}

export class Replay implements Entropy {
  readonly #clock: () => number;
  #current: { seed: ReplaySeed; counter: number } | undefined;

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  /** The entry's time while one is applied, else the real clock. */
  readonly now = (): number => (this.#current ? this.#current.seed.at : this.#clock());

  bytes(count: number): Buffer {
    const current = this.#current;
    if (!current) {
      return randomBytes(count);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    while (size < count) {
      const block = createHmac("sha256", current.seed.id).update(String(current.counter)).digest();
      current.counter += 1;
      chunks.push(block);
      size += block.length;
    }
    return Buffer.concat(chunks).subarray(0, count);
  }

  /** Runs `apply` as the application of the entry `seed` (nested calls keep the outer entry). */
  run<T>(seed: ReplaySeed, apply: () => T): T {
    if (this.#current) {
      return apply();
    }
    this.#current = { seed, counter: 0 };
    try {
      return apply();
    } finally {
      this.#current = undefined;
    }
  }
}
