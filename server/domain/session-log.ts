/**
 * The record of each run ("session") of a conference: when it started, when and why it ended.
 * Written in the ingest transaction with the live state it describes, so what parley says about a
 * conference that just ended is the same after a restart (events that arrive after the end, such
 * as a recording's upload, still name the run they belong to).
 * @module
 */
import type { SqlStore } from "./store";
import type { RunInfo } from "./transitions";

/** A run that ended, as events after its end refer to it. */
export interface EndedRun {
  run: RunInfo;
  endedAt: number;
}

export interface SessionLog {
  /** A run started (the first member joined, or the conference was created). */
  opened(run: RunInfo): void;
  /** The media server named the run's instance after it opened. */
  instanceLearned(run: RunInfo): void;
  /** The run ended at `at` for `reason`. */
  closed(run: RunInfo, at: number, reason: string): void;
  /** The conference's most recent ended run, if any. */
  lastEnded(conferenceId: string): EndedRun | undefined;
}

export function createSessionLog(sqlite: SqlStore): SessionLog {
  const open = sqlite.prepare(
    `INSERT INTO conference_sessions (conference_id, started_at, account_id, instance_id)
     VALUES (?, ?, ?, ?) ON CONFLICT (conference_id, started_at) DO NOTHING`,
  );
  const setInstance = sqlite.prepare(
    "UPDATE conference_sessions SET instance_id = ? WHERE conference_id = ? AND started_at = ?",
  );
  const close = sqlite.prepare(
    `UPDATE conference_sessions SET ended_at = ?, end_reason = ?
     WHERE conference_id = ? AND started_at = ?`,
  );
  const last = sqlite.prepare(
    `SELECT conference_id, account_id, instance_id, started_at, ended_at FROM conference_sessions
     WHERE conference_id = ? AND ended_at IS NOT NULL ORDER BY ended_at DESC LIMIT 1`,
  );
  return {
    opened(run) {
      open.run(run.conferenceId, run.startedAt, run.accountId, run.instanceId);
    },
    instanceLearned(run) {
      setInstance.run(run.instanceId, run.conferenceId, run.startedAt);
    },
    closed(run, at, reason) {
      // A run opened before sessions were recorded has no row yet: record it whole.
      open.run(run.conferenceId, run.startedAt, run.accountId, run.instanceId);
      close.run(at, reason, run.conferenceId, run.startedAt);
    },
    lastEnded(conferenceId) {
      const row = last.get(conferenceId) as
        | {
            conference_id: string;
            account_id: string;
            instance_id: string | null;
            started_at: number;
            ended_at: number;
          }
        | undefined;
      return row
        ? {
            run: {
              conferenceId: row.conference_id,
              accountId: row.account_id,
              instanceId: row.instance_id,
              startedAt: row.started_at,
            },
            endedAt: row.ended_at,
          }
        : undefined;
    },
  };
}
