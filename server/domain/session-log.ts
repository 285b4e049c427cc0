/**
 * The record of each run ("session") of a conference: when it started, when and why it ended,
 * and each participant's stays in it (the history API reads these). Written in the ingest
 * transaction with the live state it describes, so the history is current to the last event and
 * the same after a restart (events that arrive after the end, such as a recording's upload,
 * still name the run they belong to).
 * @module
 */
import { createHash } from "node:crypto";
import type { EventSourceInfo } from "./ingest";
import { createSessionStints, type KickSource } from "./session-stints";
import type { SqlStore } from "./store";
import type { RunInfo, Transition } from "./transitions";

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
  /** Records what one event changed: the run's bounds in the log, stays, flag intervals. */
  record(transitions: Transition[], source: EventSourceInfo): void;
  /** Someone asked for these calls to be kicked: their next leave is a kick. */
  kickRequested(run: RunInfo, callIds: string[], at: number, by: KickSource): void;
  /** Marks a kick for the calls in the conference's current run (the API's kick). */
  kickRequestedIn(conferenceId: string, callIds: string[] | "all", at: number): void;
}

/**
 * A session's id: a digest of the conference, the run's start and how many runs of it started in
 * that millisecond before (a batch shares one time, so a run can end and the next begin within
 * it), so every node (and a restart) names the same run alike.
 */
export function sessionIdOf(conferenceId: string, startedAt: number, earlier = 0): string {
  const key = `${conferenceId}\u0000${startedAt}${earlier > 0 ? `\u0000${earlier}` : ""}`;
  return createHash("sha256").update(key).digest("hex").slice(0, 32);
}

export function createSessionLog(sqlite: SqlStore): SessionLog {
  const open = sqlite.prepare(
    `INSERT INTO conference_sessions (conference_id, started_at, account_id, instance_id, id)
     VALUES (?, ?, ?, ?, ?)`,
  );
  // The runs of the conference that started in this millisecond, latest first.
  const startedThen = sqlite.prepare(
    `SELECT id FROM conference_sessions WHERE conference_id = ? AND started_at = ?
     ORDER BY rowid DESC`,
  );
  const setInstance = sqlite.prepare("UPDATE conference_sessions SET instance_id = ? WHERE id = ?");
  const close = sqlite.prepare(
    "UPDATE conference_sessions SET ended_at = ?, end_reason = ? WHERE id = ?",
  );
  const begin = sqlite.prepare(
    `UPDATE conference_sessions SET first_seq = coalesce(first_seq, ?),
       conference_name = coalesce(conference_name, ?) WHERE id = ?`,
  );
  const finish = sqlite.prepare(
    "UPDATE conference_sessions SET end_seq = ?, end_cause = ?, participants_now = 0 WHERE id = ?",
  );
  const last = sqlite.prepare(
    `SELECT conference_id, account_id, instance_id, started_at, ended_at FROM conference_sessions
     WHERE conference_id = ? AND ended_at IS NOT NULL ORDER BY ended_at DESC, rowid DESC LIMIT 1`,
  );
  const current = sqlite.prepare(
    "SELECT started_at FROM conference_runtime WHERE conference_id = ?",
  );
  backfillIds(sqlite);
  const stints = createSessionStints(sqlite);
  // The session of each recent run, so the current one is not looked up per talking event. A
  // run is named by its conference and start; of several that started in one millisecond, only
  // the latest can still be open, and that is the one events name.
  const ids = new Map<string, string>();
  const remember = (key: string, id: string) => {
    if (ids.size >= 1024) {
      ids.clear();
    }
    ids.set(key, id);
    return id;
  };
  const keyOf = (run: Pick<RunInfo, "conferenceId" | "startedAt">) =>
    `${run.conferenceId}\u0000${run.startedAt}`;
  const recorded = (run: Pick<RunInfo, "conferenceId" | "startedAt">): string[] =>
    (startedThen.all(run.conferenceId, run.startedAt) as Array<{ id: string }>).map((r) => r.id);
  const idOf = (run: Pick<RunInfo, "conferenceId" | "startedAt">): string => {
    const key = keyOf(run);
    return (
      ids.get(key) ??
      remember(key, recorded(run)[0] ?? sessionIdOf(run.conferenceId, run.startedAt))
    );
  };
  const insert = (run: RunInfo, earlier: number) => {
    const id = sessionIdOf(run.conferenceId, run.startedAt, earlier);
    open.run(run.conferenceId, run.startedAt, run.accountId, run.instanceId, id);
    remember(keyOf(run), id);
  };
  return {
    opened(run) {
      insert(run, recorded(run).length);
    },
    instanceLearned(run) {
      setInstance.run(run.instanceId, idOf(run));
    },
    closed(run, at, reason) {
      // A run opened before sessions were recorded has no row yet: record it whole.
      if (recorded(run).length === 0) {
        insert(run, 0);
      }
      close.run(at, reason, idOf(run));
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
    record(transitions, source) {
      for (const t of transitions) {
        const sessionId = idOf(t.run);
        switch (t.kind) {
          case "started":
            begin.run(source.seq, conferenceNameOf(source.raw), sessionId);
            break;
          case "ended":
            stints.closeAll(sessionId, t.at);
            finish.run(source.seq, t.cause, sessionId);
            break;
          case "joined":
            stints.join(sessionId, t.run, t.member);
            break;
          case "left":
            stints.leave(sessionId, t.member.callId, t.at, t.cause);
            break;
          case "locked":
          case "unlocked":
            break;
          default:
            stints.flag(sessionId, t.member.callId, t.kind, source.at);
        }
      }
    },
    kickRequested(run, callIds, at, by) {
      stints.kicked(idOf(run), callIds, at, by);
    },
    kickRequestedIn(conferenceId, callIds, at) {
      const row = current.get(conferenceId) as { started_at: number } | undefined;
      if (row) {
        const sessionId = idOf({ conferenceId, startedAt: row.started_at });
        stints.kicked(
          sessionId,
          callIds === "all" ? stints.present(sessionId) : callIds,
          at,
          "api",
        );
      }
    },
  };
}

/** The conference's name as the media server reported it, when it did. */
function conferenceNameOf(raw: Record<string, unknown>): string | null {
  const name = raw.conference_name;
  return typeof name === "string" && name.length > 0 ? name.slice(0, 256) : null;
}

/** Gives runs recorded before sessions had ids their id (once; the unique index finds them). */
function backfillIds(sqlite: SqlStore): void {
  const missing = sqlite
    .prepare("SELECT conference_id, started_at FROM conference_sessions WHERE id IS NULL")
    .all() as Array<{ conference_id: string; started_at: number }>;
  if (missing.length === 0) {
    return;
  }
  const set = sqlite.prepare(
    "UPDATE conference_sessions SET id = ? WHERE conference_id = ? AND started_at = ?",
  );
  sqlite.transaction(() => {
    for (const row of missing) {
      set.run(sessionIdOf(row.conference_id, row.started_at), row.conference_id, row.started_at);
    }
  })();
}
