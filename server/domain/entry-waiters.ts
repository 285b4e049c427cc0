/**
 * Where the node that appended a log entry waits for what became of it. The applier settles each
 * entry as it applies it, on every node; only the node that appended it has someone waiting.
 * Kept apart from the applier so the writers (built early) and the applier (built with the
 * ingest) share it without either referring to the other.
 * @module
 */
import type { Outcome } from "./event-writer";
import type { WriteOutcome, WriteOutcomes } from "./writes";

/** What became of one entry: an event's outcome, or a write's. */
export type EntryResult =
  | { kind: "event"; outcome: Outcome }
  | { kind: "write"; outcome: WriteOutcome };

export class EntryWaiters implements WriteOutcomes {
  readonly #waiters = new Map<string, (result: EntryResult) => void>();

  /** Expects the outcomes of event entries about to be appended (register before appending). */
  outcomesOf(ids: string[]): Promise<Map<string, Outcome>> {
    const outcomes = new Map<string, Outcome>();
    return new Promise((resolve) => {
      for (const id of ids) {
        this.#waiters.set(id, (result) => {
          outcomes.set(
            id,
            result.kind === "event" ? result.outcome : { kind: "rejected", reason: "not an event" },
          );
          if (outcomes.size === ids.length) {
            resolve(outcomes);
          }
        });
      }
      if (ids.length === 0) {
        resolve(outcomes);
      }
    });
  }

  /** Expects the outcome of a write entry about to be appended. */
  writeOutcomeOf(id: string): Promise<WriteOutcome> {
    return new Promise((resolve) => {
      this.#waiters.set(id, (result) =>
        resolve(
          result.kind === "write"
            ? result.outcome
            : { ok: false, code: "internal_error", data: {}, message: "not a write" },
        ),
      );
    });
  }

  /** Forgets waiters whose entries will not come (the append failed). */
  forget(ids: string[]): void {
    for (const id of ids) {
      this.#waiters.delete(id);
    }
  }

  /** Tells whoever waits for entry `id` (if anyone) what became of it. */
  settle(id: string, result: EntryResult): void {
    const waiter = this.#waiters.get(id);
    if (waiter) {
      this.#waiters.delete(id);
      waiter(result);
    }
  }
}
