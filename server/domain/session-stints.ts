/**
 * Each participant's stays in a session, written by the session log: a row per join (a caller
 * who rejoins has several), closed with the leave and its reason, with the time spent muted,
 * deaf and talking. An interval still open keeps its start in `*_since`, so a live figure is the
 * stored sum plus the time since.
 * @module
 */
import type { SqlStore } from "./store";
import type { MemberInfo, RunInfo } from "./transitions";

/** Who asked for a kick: parley's API, or the media server reporting one (`kick-member`). */
export type KickSource = "api" | "media_server";

/** How long after a kick request the call's leave still counts as the kick. */
export const KICK_WINDOW_MS = 30_000;

type FlagKind =
  | "muted"
  | "unmuted"
  | "deafened"
  | "undeafened"
  | "talkingStarted"
  | "talkingStopped";

/** Per flag transition: the column pair it opens or closes. */
const intervals: Record<FlagKind, { column: "muted" | "deaf" | "talk"; opens: boolean }> = {
  muted: { column: "muted", opens: true },
  unmuted: { column: "muted", opens: false },
  deafened: { column: "deaf", opens: true },
  undeafened: { column: "deaf", opens: false },
  talkingStarted: { column: "talk", opens: true },
  talkingStopped: { column: "talk", opens: false },
};

const sinceOf = { muted: "muted_since", deaf: "deaf_since", talk: "talking_since" } as const;
const sumOf = { muted: "muted_ms", deaf: "deaf_ms", talk: "talk_ms" } as const;

/** `column = column + elapsed, since = NULL` for each interval, closing whatever is open at `@at`. */
const closeIntervals = (["muted", "deaf", "talk"] as const)
  .map(
    (c) =>
      `${sumOf[c]} = ${sumOf[c]} + CASE WHEN ${sinceOf[c]} IS NULL THEN 0 ELSE max(0, @at - ${sinceOf[c]}) END, ${sinceOf[c]} = NULL`,
  )
  .join(", ");

export function createSessionStints(sqlite: SqlStore) {
  const lastJoin = sqlite.prepare(
    "SELECT max(joined_at) AS at FROM session_participants WHERE session_id = ? AND call_id = ?",
  );
  const insert = sqlite.prepare(
    `INSERT INTO session_participants (session_id, call_id, joined_at, account_id, conference_id,
       participant_id, caller_id_name, caller_id_number, is_moderator, muted_since, deaf_since,
       talking_since, talk_count)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const counted = sqlite.prepare(
    `UPDATE conference_sessions SET participants_now = participants_now + ?,
       peak_participants = max(peak_participants, participants_now + ?),
       total_participants = total_participants + ? WHERE id = ?`,
  );
  const open = (column: "muted" | "deaf" | "talk") =>
    sqlite.prepare(
      `UPDATE session_participants SET ${sinceOf[column]} = ?
       ${column === "talk" ? ", talk_count = talk_count + 1" : ""}
       WHERE session_id = ? AND call_id = ? AND left_at IS NULL AND ${sinceOf[column]} IS NULL`,
    );
  const close = (column: "muted" | "deaf" | "talk") =>
    sqlite.prepare(
      `UPDATE session_participants
       SET ${sumOf[column]} = ${sumOf[column]} + max(0, ? - ${sinceOf[column]}), ${sinceOf[column]} = NULL
       WHERE session_id = ? AND call_id = ? AND left_at IS NULL AND ${sinceOf[column]} IS NOT NULL`,
    );
  const statements = {
    muted: { open: open("muted"), close: close("muted") },
    deaf: { open: open("deaf"), close: close("deaf") },
    talk: { open: open("talk"), close: close("talk") },
  };
  const leave = sqlite.prepare(
    `UPDATE session_participants SET left_at = @at,
       left_reason = CASE
         WHEN kicked_at IS NOT NULL AND @at - kicked_at <= ${KICK_WINDOW_MS}
           THEN CASE kicked_by WHEN 'api' THEN 'kicked' ELSE 'kicked_on_media_server' END
         ELSE @reason END,
       ${closeIntervals}
     WHERE session_id = @sessionId AND call_id = @callId AND left_at IS NULL`,
  );
  const closeAll = sqlite.prepare(
    `UPDATE session_participants SET left_at = @at, left_reason = 'conference_destroyed', ${closeIntervals}
     WHERE session_id = @sessionId AND left_at IS NULL`,
  );
  // The media server's `kick-member` that echoes a kick parley asked for leaves it parley's.
  const kick = sqlite.prepare(
    `UPDATE session_participants SET kicked_at = @at, kicked_by = @by
     WHERE session_id = @sessionId AND call_id = @callId AND left_at IS NULL
       AND NOT (@by = 'media_server' AND kicked_by IS 'api'
         AND coalesce(@at - kicked_at <= ${KICK_WINDOW_MS}, 0))`,
  );
  const present = sqlite.prepare(
    "SELECT call_id FROM session_participants WHERE session_id = ? AND left_at IS NULL",
  );

  return {
    /** A stay begins, with the flags the member joined with (joining muted counts as muted). */
    join(sessionId: string, run: RunInfo, member: MemberInfo): void {
      const last = (lastJoin.get(sessionId, member.callId) as { at: number | null }).at;
      const first = last === null;
      // A rejoin in the same millisecond as the leave (one batch shares a time) is its own stay.
      const at = last !== null && member.joinedAt <= last ? last + 1 : member.joinedAt;
      const result = insert.run(
        sessionId,
        member.callId,
        at,
        run.accountId,
        run.conferenceId,
        member.participantId,
        member.callerIdName,
        member.callerIdNumber,
        member.isModerator ? 1 : 0,
        member.muted ? at : null,
        member.deaf ? at : null,
        member.talking ? at : null,
        member.talking ? 1 : 0,
      );
      if (result.changes > 0) {
        counted.run(1, 1, first ? 1 : 0, sessionId);
      }
    },
    /** The stay ends: a kick if one was asked for just before, else `cause`. */
    leave(sessionId: string, callId: string, at: number, cause: "left" | "destroyed"): void {
      const reason = cause === "destroyed" ? "conference_destroyed" : "hung_up";
      if (leave.run({ at, reason, sessionId, callId }).changes > 0) {
        counted.run(-1, -1, 0, sessionId);
      }
    },
    /** The run ended: any stay still open (recorded before its leave) ends with it. */
    closeAll(sessionId: string, at: number): void {
      closeAll.run({ at, sessionId });
    },
    flag(sessionId: string, callId: string, kind: FlagKind, at: number): void {
      const { column, opens } = intervals[kind];
      (opens ? statements[column].open : statements[column].close).run(at, sessionId, callId);
    },
    kicked(sessionId: string, callIds: string[], at: number, by: KickSource): void {
      for (const callId of callIds) {
        kick.run({ at, by, sessionId, callId });
      }
    },
    /** The calls in the session now. */
    present(sessionId: string): string[] {
      return (present.all(sessionId) as Array<{ call_id: string }>).map((r) => r.call_id);
    },
  };
}
