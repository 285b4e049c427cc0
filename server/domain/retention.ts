/**
 * Retention: removes event-log rows older than `PARLEY_EVENT_RETENTION`, and ended sessions
 * (with their participants) older than `PARLEY_SESSION_RETENTION`, in small batches so that a
 * backlog of millions never holds the database for long: each batch is its own short
 * transaction, committed without waiting for the disk (nothing is acknowledged by it; the next
 * synced commit carries it, and a crash before that only means pruning it again), and the
 * schedule (`server/assemble/retention.ts`) spaces batches so pruning takes a small share of
 * the time ingest could use.
 *
 * The log is pruned as a prefix, in `seq` order, up to the first event that is to be kept, and
 * the watermark (`events_pruned_through`) is stored with each batch: every `seq` above it is
 * kept, so "older than what is kept" is one comparison for `resume_from` and `after_seq`.
 * @module
 */
import { PRUNED_THROUGH_KEY, prunedThroughReader } from "./event-log";
import type { SqlStore } from "./store";

/** What one batch removed. */
export interface PruneResult {
  events: number;
  sessions: number;
  participants: number;
  /** The batch was full: more may be due right away. */
  more: boolean;
}

export interface RetentionOptions {
  /** Keep events this long, in ms; 0 keeps them forever. */
  eventRetentionMs: number;
  /** Keep ended sessions this long after their end, in ms; 0 keeps them forever. */
  sessionRetentionMs: number;
  /** Rows per batch. */
  batchSize?: number;
}

export class Retention {
  readonly #options: Required<RetentionOptions>;
  readonly #oldest: (watermark: number, limit: number) => Array<{ seq: number; at: number }>;
  readonly #deleteEvents: (watermark: number, through: number) => number;
  readonly #prunedThrough: () => number;
  readonly #pruneSessions: (cutoff: number, limit: number) => [number, number];
  readonly #minSeq: () => number | undefined;

  constructor(sqlite: SqlStore, options: RetentionOptions) {
    this.#options = { batchSize: 500, ...options };
    const oldest = sqlite.prepare(
      "SELECT seq, received_at AS at FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
    );
    const deleteEvents = sqlite.prepare("DELETE FROM events WHERE seq > ? AND seq <= ?");
    const storeWatermark = sqlite.prepare(
      "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
    const endedSessions = sqlite.prepare(
      "SELECT id FROM conference_sessions WHERE ended_at < ? AND id IS NOT NULL ORDER BY ended_at LIMIT ?",
    );
    const deleteStays = sqlite.prepare("DELETE FROM session_participants WHERE session_id = ?");
    const deleteSession = sqlite.prepare("DELETE FROM conference_sessions WHERE id = ?");
    const minSeq = sqlite.prepare("SELECT min(seq) AS seq FROM events");
    this.#oldest = (after, limit) => oldest.all(after, limit) as Array<{ seq: number; at: number }>;
    this.#prunedThrough = prunedThroughReader(sqlite);
    const readSync = sqlite.prepare("PRAGMA synchronous");
    const unsynced = <A extends unknown[], R>(fn: (...args: A) => R) => {
      const inTransaction = sqlite.transaction(fn);
      return (...args: A): R => {
        const level = (readSync.get() as { synchronous: number }).synchronous;
        sqlite.prepare("PRAGMA synchronous = NORMAL").run();
        try {
          return inTransaction(...args);
        } finally {
          sqlite.prepare(`PRAGMA synchronous = ${level}`).run();
        }
      };
    };
    this.#deleteEvents = unsynced((after: number, through: number) => {
      const removed = deleteEvents.run(after, through).changes;
      storeWatermark.run(PRUNED_THROUGH_KEY, String(through));
      return removed;
    });
    this.#pruneSessions = unsynced((cutoff: number, limit: number): [number, number] => {
      const ids = (endedSessions.all(cutoff, limit) as Array<{ id: string }>).map((r) => r.id);
      let participants = 0;
      for (const id of ids) {
        participants += deleteStays.run(id).changes;
        deleteSession.run(id);
      }
      return [ids.length, participants];
    });
    this.#minSeq = () => (minSeq.get() as { seq: number | null }).seq ?? undefined;
  }

  /** Every event with a `seq` up to this was removed (0: none). */
  get prunedThrough(): number {
    return this.#prunedThrough();
  }

  /** The oldest `seq` still in the log, if any. */
  get oldestSeq(): number | undefined {
    return this.#minSeq();
  }

  /** Removes one batch of what is due at `now`; a full batch means more may be due. */
  pruneBatch(now: number): PruneResult {
    const { eventRetentionMs, sessionRetentionMs, batchSize } = this.#options;
    const result: PruneResult = { events: 0, sessions: 0, participants: 0, more: false };
    if (eventRetentionMs > 0) {
      const after = this.#prunedThrough();
      const cutoff = now - eventRetentionMs;
      let through = after;
      let taken = 0;
      // The prefix to remove stops at the first event to keep, so nothing newer goes with it.
      for (const row of this.#oldest(after, batchSize)) {
        if (row.at >= cutoff) {
          break;
        }
        through = row.seq;
        taken += 1;
      }
      if (through > after) {
        result.events = this.#deleteEvents(after, through);
      }
      result.more = taken >= batchSize;
    }
    if (sessionRetentionMs > 0) {
      const limit = Math.max(1, Math.floor(batchSize / 10));
      [result.sessions, result.participants] = this.#pruneSessions(now - sessionRetentionMs, limit);
      result.more ||= result.sessions >= limit;
    }
    return result;
  }
}
