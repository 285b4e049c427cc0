/**
 * Applies one decoded conference event to the live state, inside the ingest's transaction, and
 * reports what changed. Each event carries the participant's state *after* it (Kazoo semantics);
 * the event name then forces the flag it is about, so `mute-member` always leaves `speak` false.
 * @module
 */

import {
  participantFlags as flagColumns,
  flagsForcedBy,
  participantFlagDefaults,
} from "../../protocol/events";
import { GREGORIAN_OFFSET } from "./ids";
import type { DecodedEvent } from "./inbound-event";
import type { SessionLog } from "./session-log";
import type { SqlStore } from "./store";
import { HOST_END_WINDOW_MS, type MemberInfo, type RunInfo, type Transition } from "./transitions";

type Row = Record<string, unknown>;

/** Flag changes worth a transition: [column, kind when it turns true, kind when it turns false]. */
const flagTransitions = [
  ["speak", "unmuted", "muted"],
  ["hear", "undeafened", "deafened"],
  ["talking", "talkingStarted", "talkingStopped"],
] as const;

function runOf(row: Row): RunInfo {
  return {
    conferenceId: row.conference_id as string,
    accountId: row.account_id as string,
    instanceId: (row.instance_id as string | null) ?? null,
    startedAt: row.started_at as number,
  };
}

function memberOf(row: Row): MemberInfo {
  return {
    callId: row.call_id as string,
    participantId: row.participant_id as number,
    callerIdName: (row.caller_id_name as string | null) ?? null,
    callerIdNumber: (row.caller_id_number as string | null) ?? null,
    isModerator: Boolean(row.is_moderator),
    joinedAt: row.joined_at as number,
    customChannelVars: parseJson(row.custom_channel_vars) as Record<string, unknown>,
  };
}

/**
 * Applies events to `conference_runtime` and `participants` with prepared statements, and records
 * each run's start and end in the session log.
 */
export function createEventApplier(sqlite: SqlStore, sessions: SessionLog) {
  const runtime = sqlite.prepare("SELECT * FROM conference_runtime WHERE conference_id = ?");
  const openRuntime = sqlite.prepare(
    `INSERT INTO conference_runtime (conference_id, account_id, instance_id, switch_hostname, started_at, locked, updated_at)
     VALUES (@conference_id, @account_id, @instance_id, @switch_hostname, @started_at, 0, @now)
     ON CONFLICT (conference_id) DO UPDATE SET
       instance_id = coalesce(excluded.instance_id, instance_id),
       switch_hostname = coalesce(excluded.switch_hostname, switch_hostname),
       updated_at = excluded.updated_at`,
  );
  const setLocked = sqlite.prepare(
    "UPDATE conference_runtime SET locked = ?, updated_at = ? WHERE conference_id = ?",
  );
  const markHostEnded = sqlite.prepare(
    "UPDATE conference_runtime SET host_ended_at = ? WHERE conference_id = ?",
  );
  const closeRuntime = sqlite.prepare("DELETE FROM conference_runtime WHERE conference_id = ?");
  const members = sqlite.prepare(
    "SELECT * FROM participants WHERE conference_id = ? ORDER BY joined_at, participant_id",
  );
  const clearParticipants = sqlite.prepare("DELETE FROM participants WHERE conference_id = ?");
  const participant = sqlite.prepare(
    "SELECT * FROM participants WHERE conference_id = ? AND call_id = ?",
  );
  const upsertParticipant = sqlite.prepare(
    `INSERT INTO participants (conference_id, call_id, account_id, participant_id, instance_id, switch_hostname,
       caller_id_name, caller_id_number, is_moderator, floor, hear, speak, talking, mute_detect, video,
       energy_level, current_energy, joined_at, custom_channel_vars, conference_channel_vars, updated_at)
     VALUES (@conference_id, @call_id, @account_id, @participant_id, @instance_id, @switch_hostname,
       @caller_id_name, @caller_id_number, @is_moderator, @floor, @hear, @speak, @talking, @mute_detect, @video,
       @energy_level, @current_energy, @joined_at, @custom_channel_vars, @conference_channel_vars, @now)
     ON CONFLICT (conference_id, call_id) DO UPDATE SET
       participant_id = excluded.participant_id, instance_id = excluded.instance_id,
       switch_hostname = excluded.switch_hostname, caller_id_name = excluded.caller_id_name,
       caller_id_number = excluded.caller_id_number, is_moderator = excluded.is_moderator,
       floor = excluded.floor, hear = excluded.hear, speak = excluded.speak, talking = excluded.talking,
       mute_detect = excluded.mute_detect, video = excluded.video, energy_level = excluded.energy_level,
       current_energy = excluded.current_energy, custom_channel_vars = excluded.custom_channel_vars,
       conference_channel_vars = excluded.conference_channel_vars, updated_at = excluded.updated_at`,
  );
  const removeParticipant = sqlite.prepare(
    "DELETE FROM participants WHERE conference_id = ? AND call_id = ?",
  );
  const countParticipants = sqlite.prepare(
    "SELECT count(*) AS n FROM participants WHERE conference_id = ?",
  );

  /** Opens the run if it is not open; reports `started` when it was not. */
  const ensureRuntime = (
    decoded: DecodedEvent,
    accountId: string,
    now: number,
    out: Transition[],
  ) => {
    const before = runtime.get(decoded.event.conference_id) as Row | undefined;
    const instanceId = decoded.event.instance_id ?? null;
    const focus = decoded.event.focus ?? null;
    // The hot path: the run is open and nothing about it changed.
    if (
      before &&
      (instanceId === null || instanceId === before.instance_id) &&
      (focus === null || focus === before.switch_hostname)
    ) {
      return before;
    }
    openRuntime.run({
      conference_id: decoded.event.conference_id,
      account_id: accountId,
      instance_id: instanceId,
      switch_hostname: focus,
      started_at: reportedTime((decoded.event as Row).start_time, now),
      now,
    });
    const after = runtime.get(decoded.event.conference_id) as Row;
    if (!before) {
      const run = runOf(after);
      sessions.opened(run);
      out.push({ kind: "started", run });
    } else if (after.instance_id !== before.instance_id) {
      sessions.instanceLearned(runOf(after));
    }
    return after;
  };

  const endRun = (run: Row, now: number, out: Transition[], forced: boolean) => {
    const hostEndedAt = run.host_ended_at as number | null;
    const byHost = forced || (hostEndedAt !== null && now - hostEndedAt <= HOST_END_WINDOW_MS);
    const reason = byHost ? "HOST_ENDED_MEETING" : "ALL_PARTICIPANTS_LEFT";
    sessions.closed(runOf(run), now, reason);
    out.push({ kind: "ended", run: runOf(run), reason, at: now });
    closeRuntime.run(run.conference_id);
  };

  const writeParticipant = (
    decoded: DecodedEvent,
    callId: string,
    accountId: string,
    now: number,
    existing: Row | undefined,
  ): Row => {
    const { event } = decoded;
    const channelVars = (event.conference_channel_vars ?? {}) as Row;
    const pick = (column: string): unknown => channelVars[column] ?? (event as Row)[column];
    const forced = flagsForcedBy[event.event] ?? {};
    const flags = Object.fromEntries(
      flagColumns.map((column) => {
        const value =
          (forced as Row)[column] ??
          pick(column) ??
          toBool(existing?.[column]) ??
          participantFlagDefaults[column];
        return [column, value ? 1 : 0];
      }),
    );
    const memberId = event.participant_id ?? channelVars.member_id ?? existing?.participant_id ?? 0;
    upsertParticipant.run({
      conference_id: event.conference_id,
      call_id: callId,
      account_id: accountId,
      participant_id: memberId,
      instance_id: event.instance_id ?? existing?.instance_id ?? null,
      switch_hostname: event.focus ?? existing?.switch_hostname ?? null,
      caller_id_name: event.caller_id_name ?? existing?.caller_id_name ?? null,
      caller_id_number: event.caller_id_number ?? existing?.caller_id_number ?? null,
      ...flags,
      energy_level: pick("energy_level") ?? existing?.energy_level ?? 0,
      current_energy: pick("current_energy") ?? existing?.current_energy ?? 0,
      joined_at: existing?.joined_at ?? reportedTime((event as Row).join_time, now),
      custom_channel_vars: JSON.stringify(
        event.custom_channel_vars ?? parseJson(existing?.custom_channel_vars),
      ),
      conference_channel_vars: JSON.stringify(
        event.conference_channel_vars ?? parseJson(existing?.conference_channel_vars),
      ),
      now,
    });
    return participant.get(event.conference_id, callId) as Row;
  };

  return {
    /** Which account owns the conference's live state, if it is running. */
    runtimeAccount(conferenceId: string): string | undefined {
      return (runtime.get(conferenceId) as Row | undefined)?.account_id as string | undefined;
    },

    /** Notes that the host is ending the meeting (API kick-all), for `meeting.ended`'s reason. */
    markHostEnding(conferenceId: string, now: number): void {
      markHostEnded.run(now, conferenceId);
    },

    apply(decoded: DecodedEvent, accountId: string, now: number): Transition[] {
      const out: Transition[] = [];
      const { event, callId } = decoded;
      const conferenceId = event.conference_id;
      switch (event.event) {
        case "conference-create":
          ensureRuntime(decoded, accountId, now, out);
          return out;
        case "conference-destroy": {
          const run = runtime.get(conferenceId) as Row | undefined;
          if (!run) {
            return out;
          }
          const remaining = members.all(conferenceId) as Row[];
          for (const row of remaining) {
            out.push({ kind: "left", run: runOf(run), member: memberOf(row), at: now });
          }
          clearParticipants.run(conferenceId);
          endRun(run, now, out, remaining.length > 0);
          return out;
        }
        case "lock":
        case "unlock": {
          const run = ensureRuntime(decoded, accountId, now, out);
          const locked = event.event === "lock";
          if (Boolean(run.locked) !== locked) {
            setLocked.run(locked ? 1 : 0, now, conferenceId);
            out.push({ kind: locked ? "locked" : "unlocked", run: runOf(run) });
          }
          return out;
        }
        case "del-member": {
          const existing = callId
            ? (participant.get(conferenceId, callId) as Row | undefined)
            : undefined;
          const run = runtime.get(conferenceId) as Row | undefined;
          if (!callId || !existing || !run) {
            return out;
          }
          removeParticipant.run(conferenceId, callId);
          out.push({ kind: "left", run: runOf(run), member: memberOf(existing), at: now });
          const { n } = countParticipants.get(conferenceId) as { n: number };
          if (n === 0) {
            endRun(run, now, out, false);
          } else if (existing.is_moderator) {
            markHostEnded.run(now, conferenceId);
          }
          return out;
        }
        default: {
          // add-member, talking, mute, deaf, and any other per-call event: the state after it.
          if (!callId) {
            return out;
          }
          const existing = participant.get(conferenceId, callId) as Row | undefined;
          if (
            !existing &&
            event.event !== "add-member" &&
            flagsForcedBy[event.event] === undefined
          ) {
            return out;
          }
          const run = ensureRuntime(decoded, accountId, now, out);
          const after = writeParticipant(decoded, callId, accountId, now, existing);
          const member = memberOf(after);
          if (!existing) {
            out.push({ kind: "joined", run: runOf(run), member });
            if (event.event === "add-member") {
              // Joining muted (join_muted) is the starting state, not a mute.
              return out;
            }
          }
          const before: Row = existing ?? participantFlagDefaults;
          for (const [column, on, off] of flagTransitions) {
            const was = Boolean(before[column]);
            const is = Boolean(after[column]);
            if (was !== is) {
              out.push({ kind: is ? on : off, run: runOf(run), member });
            }
          }
          return out;
        }
      }
    },
  };
}

/**
 * A time the event reports in Gregorian seconds (`Start-Time`, `Join-Time`: a reconciliation
 * answer knows when a run or a call began), as Unix ms; `now` when absent or not in the past.
 */
function reportedTime(value: unknown, now: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    return now;
  }
  const ms = (value - GREGORIAN_OFFSET) * 1000;
  return ms > 0 && ms < now ? ms : now;
}

function toBool(value: unknown): boolean | undefined {
  return value === undefined || value === null ? undefined : Boolean(value);
}

function parseJson(value: unknown): unknown {
  if (typeof value !== "string") {
    return {};
  }
  try {
    return JSON.parse(value);
  } catch {
    return {};
  }
}
