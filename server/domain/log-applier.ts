/**
 * Applies the replicated log to this node's store: each batch of entries in one SQLite
 * transaction together with the position of the last one, so after a crash the node resumes
 * exactly where its state stops (an entry is applied once, never skipped). Entries at or before
 * the stored position are redeliveries and are passed over. The node that appended an entry
 * waits here for what became of it; listeners hear about committed events after each commit.
 * @module
 */
import type { Logger } from "../logger";
import type { EntryResult, EntryWaiters } from "./entry-waiters";
import { EventWriter } from "./event-writer";
import type { CommittedEvent, IngestDeps } from "./ingest";
import type { Replay } from "./replay";
import type { LogEntry } from "./replicated-log";
import type { SqlStatement } from "./store";
import { outcomeOf, type WriteHandlers } from "./writes";

export type ApplierDeps = Pick<
  IngestDeps,
  "sqlite" | "sessions" | "ownerOf" | "accountExists" | "onTransitions" | "onSideEvent" | "observe"
> & {
  logger: Logger;
  /** Makes the clock and the ids of an entry's application the entry's own. */
  replay: Replay;
  /** The write operations entries may name, by name. */
  writes: WriteHandlers;
  /** Who waits for which entry's outcome (the node that appended it). */
  waiters: EntryWaiters;
  /**
   * Where the position is kept: one key per log, so a node moved from the in-process log to a
   * cluster's stream does not mistake one log's positions for the other's.
   */
  positionKey: string;
};

export class LogApplier {
  readonly #deps: ApplierDeps;
  readonly #writer: EventWriter;
  readonly #readPosition: SqlStatement;
  readonly #storePosition: SqlStatement;
  readonly #listeners = new Set<(events: CommittedEvent[]) => void>();
  readonly #applyFast: (entries: LogEntry[]) => Array<[LogEntry, EntryResult]>;
  readonly #applyIsolated: (entries: LogEntry[]) => Array<[LogEntry, EntryResult]>;
  readonly #savepoint: (apply: () => unknown) => unknown;
  #position: number | undefined;

  constructor(deps: ApplierDeps) {
    this.#deps = deps;
    this.#writer = new EventWriter(deps);
    const { sqlite } = deps;
    this.#readPosition = sqlite.prepare("SELECT value FROM settings WHERE key = ?");
    this.#storePosition = sqlite.prepare(
      "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
    const row = this.#readPosition.get(deps.positionKey) as { value: string } | undefined;
    this.#position = row ? Number(row.value) : undefined;
    const writeOne = sqlite.transaction((entry: LogEntry) => this.#write(entry));
    this.#savepoint = sqlite.transaction((apply: () => unknown) => apply());
    this.#applyFast = sqlite.transaction((entries: LogEntry[]) =>
      this.#finish(entries.map((entry) => [entry, this.#write(entry)])),
    );
    this.#applyIsolated = sqlite.transaction((entries: LogEntry[]) =>
      this.#finish(entries.map((entry) => [entry, this.#isolated(() => writeOne(entry), entry)])),
    );
  }

  /** The last position applied, or undefined before the first entry. */
  get position(): number | undefined {
    return this.#position;
  }

  /** Subscribes to committed events; returns an unsubscribe function. */
  onCommitted(listener: (events: CommittedEvent[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Applies `entries` (in log order) and commits them with the last position. Throws when the
   * store cannot take them (busy, full, read-only): the caller hands them again later.
   */
  apply(entries: LogEntry[]): void {
    const fresh = entries.filter(
      (entry) => this.#position === undefined || entry.position > this.#position,
    );
    const last = fresh[fresh.length - 1];
    if (!last) {
      return;
    }
    const started = performance.now();
    const results = this.#applyBatch(fresh);
    this.#position = last.position;
    this.#deps.observe?.batch(fresh.length, (performance.now() - started) / 1000);
    this.#deps.observe?.applied?.(fresh, last.position);
    const committed: CommittedEvent[] = [];
    for (const [entry, result] of results) {
      if (result.kind === "event" && result.outcome.kind === "applied") {
        committed.push(result.outcome.event);
      }
      this.#deps.waiters.settle(entry.body.id, result);
    }
    if (committed.length > 0) {
      for (const listener of this.#listeners) {
        listener(committed);
      }
    }
  }

  #applyBatch(entries: LogEntry[]): Array<[LogEntry, EntryResult]> {
    try {
      return this.#applyFast(entries);
    } catch (error) {
      if (isStoreTrouble(error)) {
        throw error;
      }
      return this.#applyIsolated(entries);
    }
  }

  #write(entry: LogEntry): EntryResult {
    const { body } = entry;
    if (body.kind === "event") {
      return {
        kind: "event",
        outcome: this.#deps.replay.run(body, () => this.#writer.write(body.event, body.at)),
      };
    }
    const handler = this.#deps.writes[body.op] as ((args: unknown) => unknown) | undefined;
    if (!handler) {
      this.#deps.logger.error({ op: body.op }, "log entry names an unknown operation; skipped");
      return {
        kind: "write",
        outcome: { ok: false, code: "internal_error", data: {}, message: `unknown ${body.op}` },
      };
    }
    // A failed write leaves nothing behind (its savepoint is rolled back) and answers its error.
    const outcome = this.#deps.replay.run(body, () =>
      outcomeOf(() => this.#savepoint(() => handler(body.args))),
    );
    return { kind: "write", outcome };
  }

  /** Stores the batch's last position in the batch's own transaction. */
  #finish(results: Array<[LogEntry, EntryResult]>): Array<[LogEntry, EntryResult]> {
    const last = results[results.length - 1];
    if (last) {
      this.#storePosition.run(this.#deps.positionKey, String(last[0].position));
    }
    return results;
  }

  /** One entry on the careful path: if it throws, it alone is refused (on every node alike). */
  #isolated(write: () => EntryResult, entry: LogEntry): EntryResult {
    try {
      return write();
    } catch (error) {
      if (isStoreTrouble(error)) {
        throw error;
      }
      const { body } = entry;
      this.#deps.logger.error(
        {
          err: error,
          ...(body.kind === "event"
            ? { routing_key: body.event.value.routingKey }
            : { op: body.op }),
        },
        body.kind === "event" ? "event could not be applied" : "write could not be applied",
      );
      return body.kind === "event"
        ? { kind: "event", outcome: { kind: "rejected", reason: "event could not be applied" } }
        : {
            kind: "write",
            outcome: { ok: false, code: "internal_error", data: {}, message: "write failed" },
          };
    }
  }
}

/** Errors that are about the store, not the entry: applying it later is the answer. */
export function isStoreTrouble(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return (
    typeof code === "string" && /^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CANTOPEN)/.test(code)
  );
}
