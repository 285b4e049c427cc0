/**
 * The replicated log of a single process (no `AMQP_URL`): an entry is applied as it is
 * appended, synchronously and in order, so the embedded default behaves as one node of a
 * cluster would, through the same applier, with no broker. Positions continue from the one the
 * store recorded.
 * @module
 */
import type { LogBody, LogFollower, ReplicatedLog } from "../domain/replicated-log";

export class InProcessLog implements ReplicatedLog {
  readonly kind = "in-process" as const;
  #follower: LogFollower | undefined;
  #position = 0;

  async follow(position: number | undefined, follower: LogFollower): Promise<void> {
    this.#position = position ?? 0;
    this.#follower = follower;
  }

  /** Applies `bodies` now; rejects (and appends nothing) when the store could not take them. */
  append(bodies: LogBody[]): Promise<void> {
    const follower = this.#follower;
    if (!follower) {
      return Promise.reject(new Error("the log has no follower yet"));
    }
    const entries = bodies.map((body, i) => ({ position: this.#position + 1 + i, body }));
    try {
      const applied = follower(entries);
      if (applied instanceof Promise) {
        return applied.then(() => {
          this.#position += entries.length;
        });
      }
      this.#position += entries.length;
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async close(): Promise<void> {
    this.#follower = undefined;
  }
}
