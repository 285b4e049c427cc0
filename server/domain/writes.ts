/**
 * Writes through the replicated log: a state change is appended as an entry and answered once
 * this node's applier has applied it, with what the operation returned there (or the typed error
 * it threw). Every node applies the same entry the same way, so a write made on one node is the
 * same change on all of them; on the node that made it, its answer is already visible (reads
 * after writes see it).
 * @module
 */
import type { ErrorCode } from "../../protocol/errors";
import { DomainError } from "./errors";
import type { ReplicatedLog, WriteEntry } from "./replicated-log";

/** What applying a write entry produced: its value, or the domain error it threw. */
export type WriteOutcome =
  | { ok: true; value: unknown }
  | { ok: false; code: ErrorCode; data: unknown; message: string };

/** The operations parley writes, each with its arguments and its result. */
export type WriteHandlers = Record<string, (args: never) => unknown>;

/** Typed access to the operations of `H`. */
export interface Writes<H extends WriteHandlers> {
  run<K extends keyof H & string>(op: K, args: Parameters<H[K]>[0]): Promise<ReturnType<H[K]>>;
}

/** Where the node that appended an entry waits for its outcome. */
export interface WriteOutcomes {
  writeOutcomeOf(id: string): Promise<WriteOutcome>;
  forget(ids: string[]): void;
}

export class LogWrites<H extends WriteHandlers> implements Writes<H> {
  readonly #log: ReplicatedLog;
  readonly #outcomes: WriteOutcomes;
  readonly #newId: () => string;
  readonly #now: () => number;

  constructor(deps: {
    log: ReplicatedLog;
    outcomes: WriteOutcomes;
    newEntryId: () => string;
    now: () => number;
  }) {
    this.#log = deps.log;
    this.#outcomes = deps.outcomes;
    this.#newId = deps.newEntryId;
    this.#now = deps.now;
  }

  async run<K extends keyof H & string>(
    op: K,
    args: Parameters<H[K]>[0],
  ): Promise<ReturnType<H[K]>> {
    const entry: WriteEntry = { kind: "write", id: this.#newId(), at: this.#now(), op, args };
    const outcome = this.#outcomes.writeOutcomeOf(entry.id);
    try {
      await this.#log.append([entry]);
    } catch (error) {
      this.#outcomes.forget([entry.id]);
      throw new DomainError("service_unavailable", {
        message: `the change could not be written to the log: ${(error as Error).message}`,
      });
    }
    const settled = await outcome;
    if (!settled.ok) {
      throw new DomainError(settled.code, settled.data);
    }
    return settled.value as ReturnType<H[K]>;
  }
}

/** Runs a write operation and captures its outcome: domain errors are outcomes, not crashes. */
export function outcomeOf(apply: () => unknown): WriteOutcome {
  try {
    return { ok: true, value: apply() };
  } catch (error) {
    if (error instanceof DomainError) {
      return { ok: false, code: error.code, data: error.data, message: error.message };
    }
    throw error;
  }
}
