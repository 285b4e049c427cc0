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
import { LiveRows, memberOf, parseJson, type Row, runOf } from "./live-rows";
import type { SessionLog } from "./session-log";
import type { SqlStore } from "./store";
import { HOST_END_WINDOW_MS, type Transition } from "./transitions";

/** Flag changes worth a transition: [column, kind when it turns true, kind when it turns false]. */
const flagTransitions = [
  ["speak", "unmuted", "muted"],
  ["hear", "undeafened", "deafened"],
  ["talking", "talkingStarted", "talkingStopped"],
] as const;

/**
 * Applies events to `conference_runtime` and `participants`, and records each run's start and
 * end in the session log. Every handler appends the transitions it caused to `out`.
 */
export class EventApplier {
  readonly #rows: LiveRows;
  readonly #sessions: SessionLog;

  constructor(sqlite: SqlStore, sessions: SessionLog) {
    this.#rows = new LiveRows(sqlite);
    this.#sessions = sessions;
  }

  /** Which account owns the conference's live state, if it is running. */
  runtimeAccount(conferenceId: string): string | undefined {
    return this.#rows.runtime(conferenceId)?.account_id as string | undefined;
  }

  apply(decoded: DecodedEvent, accountId: string, now: number): Transition[] {
    const out: Transition[] = [];
    switch (decoded.event.event) {
      case "conference-create":
        this.#ensureRuntime(decoded, accountId, now, out);
        break;
      case "conference-destroy":
        this.#destroy(decoded.event.conference_id, now, out);
        break;
      case "lock":
      case "unlock":
        this.#lock(decoded, accountId, now, out);
        break;
      case "del-member":
        this.#leave(decoded, now, out);
        break;
      default:
        // add-member, talking, mute, deaf, and any other per-call event: the state after it.
        this.#memberState(decoded, accountId, now, out);
    }
    return out;
  }

  /** Opens the run if it is not open; reports `started` when it was not. */
  #ensureRuntime(decoded: DecodedEvent, accountId: string, now: number, out: Transition[]): Row {
    const { event } = decoded;
    const before = this.#rows.runtime(event.conference_id);
    const instanceId = event.instance_id ?? null;
    const focus = event.focus ?? null;
    // The hot path: the run is open and nothing about it changed.
    if (
      before &&
      (instanceId === null || instanceId === before.instance_id) &&
      (focus === null || focus === before.switch_hostname)
    ) {
      return before;
    }
    this.#rows.openRuntime({
      conference_id: event.conference_id,
      account_id: accountId,
      instance_id: instanceId,
      switch_hostname: focus,
      started_at: reportedTime((event as Row).start_time, now),
      now,
    });
    const after = this.#rows.runtime(event.conference_id) as Row;
    if (!before) {
      const run = runOf(after);
      this.#sessions.opened(run);
      out.push({ kind: "started", run });
    } else if (after.instance_id !== before.instance_id) {
      this.#sessions.instanceLearned(runOf(after));
    }
    return after;
  }

  /** Closes the run: the host ended it if forced, or if a moderator left just before. */
  #endRun(run: Row, now: number, out: Transition[], forced: boolean, destroyed: boolean): void {
    const hostEndedAt = run.host_ended_at as number | null;
    const byHost = forced || (hostEndedAt !== null && now - hostEndedAt <= HOST_END_WINDOW_MS);
    const reason = byHost ? "HOST_ENDED_MEETING" : "ALL_PARTICIPANTS_LEFT";
    const cause = destroyed ? "destroyed" : byHost ? "host_ended" : "last_member_left";
    this.#sessions.closed(runOf(run), now, reason);
    out.push({ kind: "ended", run: runOf(run), reason, cause, at: now });
    this.#rows.closeRuntime(run.conference_id as string);
  }

  /** `conference-destroy`: everyone still in leaves, and the run ends. */
  #destroy(conferenceId: string, now: number, out: Transition[]): void {
    const run = this.#rows.runtime(conferenceId);
    if (!run) {
      return;
    }
    const remaining = this.#rows.members(conferenceId);
    for (const row of remaining) {
      out.push({
        kind: "left",
        run: runOf(run),
        member: memberOf(row),
        at: now,
        cause: "destroyed",
      });
    }
    this.#rows.clearParticipants(conferenceId);
    this.#endRun(run, now, out, remaining.length > 0, true);
  }

  #lock(decoded: DecodedEvent, accountId: string, now: number, out: Transition[]): void {
    const run = this.#ensureRuntime(decoded, accountId, now, out);
    const locked = decoded.event.event === "lock";
    if (Boolean(run.locked) !== locked) {
      this.#rows.setLocked(decoded.event.conference_id, locked, now);
      out.push({ kind: locked ? "locked" : "unlocked", run: runOf(run) });
    }
  }

  /** `del-member`: the participant leaves; the last one out ends the run. */
  #leave(decoded: DecodedEvent, now: number, out: Transition[]): void {
    const { callId } = decoded;
    const conferenceId = decoded.event.conference_id;
    const existing = callId ? this.#rows.participant(conferenceId, callId) : undefined;
    const run = this.#rows.runtime(conferenceId);
    if (!callId || !existing || !run) {
      return;
    }
    this.#rows.removeParticipant(conferenceId, callId);
    out.push({ kind: "left", run: runOf(run), member: memberOf(existing), at: now, cause: "left" });
    if (this.#rows.countParticipants(conferenceId) === 0) {
      this.#endRun(run, now, out, false, false);
    } else if (existing.is_moderator) {
      this.#rows.markHostEnded(conferenceId, now);
    }
  }

  /** Writes the participant's state after the event; reports the join and each flag change. */
  #memberState(decoded: DecodedEvent, accountId: string, now: number, out: Transition[]): void {
    const { event, callId } = decoded;
    if (!callId) {
      return;
    }
    const existing = this.#rows.participant(event.conference_id, callId);
    if (!existing && event.event !== "add-member" && flagsForcedBy[event.event] === undefined) {
      return;
    }
    const run = this.#ensureRuntime(decoded, accountId, now, out);
    if (existing && event.event === "kick-member") {
      // The media server reports a kick it was asked for elsewhere; the leave that follows is it.
      this.#sessions.kickRequested(runOf(run), [callId], now, "media_server");
    }
    const after = this.#rows.upsertParticipant(
      participantParams(decoded, callId, accountId, now, existing),
    );
    const member = memberOf(after);
    if (!existing) {
      out.push({ kind: "joined", run: runOf(run), member });
      if (event.event === "add-member") {
        // Joining muted (join_muted) is the starting state, not a mute.
        return;
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
  }
}

/**
 * The participant row after the event: the flag the event forces, else what the event (or its
 * `conference_channel_vars`) says, else what was stored, else the defaults.
 */
function participantParams(
  decoded: DecodedEvent,
  callId: string,
  accountId: string,
  now: number,
  existing: Row | undefined,
): Row {
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
  return {
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
