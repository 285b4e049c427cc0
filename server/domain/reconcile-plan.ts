/**
 * What reconciliation must say to make parley's live state match the media servers', as the
 * events a media server would have published: `del-member` for a ghost, `add-member` for a
 * missed join, `mute-member`… for a missed change, `conference-destroy` for a conference nobody
 * runs. Pure: the round feeds the events through the ingest, so every effect (log, webhooks,
 * WebSocket) is the one a real event has. Anything that changed while the answers were awaited
 * is left to the next round: the answers may predate it.
 * @module
 */

import type { SearchParticipant } from "../../protocol/discovery";
import { conferenceLevelEvents } from "../../protocol/events";
import { type ParticipantRow, participantView, type RuntimeRow } from "./live-state";

/** A participant as a synthesized event carries it. */
export interface PlannedMember {
  callId: string;
  participantId: number;
  callerIdName: string | undefined;
  callerIdNumber: string | undefined;
  customChannelVars: Record<string, unknown>;
  /** `Conference-Channel-Vars`, normalised keys: the state after the event. */
  channelVars: Record<string, unknown>;
  /** Gregorian seconds, when the answer says. */
  joinTime: number | undefined;
}

/** One event to synthesize. */
export interface PlannedEvent {
  event: string;
  accountId: string;
  conferenceId: string;
  instanceId: string | undefined;
  member?: PlannedMember;
  /** `conference-create`: when the run started, Gregorian seconds. */
  startTime?: number;
}

/** What the media servers said about one conference. */
export type Verdict =
  | {
      kind: "running";
      uuid: string | undefined;
      locked: boolean | undefined;
      startTime: number | undefined;
      participants: SearchParticipant[];
    }
  | { kind: "absent" }
  | { kind: "unknown"; reason: string };

/** parley's own view of the conference. */
export interface LiveConference {
  conferenceId: string;
  accountId: string;
  runtime: RuntimeRow | undefined;
  participants: ParticipantRow[];
}

/** What changed while the answers were awaited. */
export interface Touched {
  /** Conferences with any event. */
  conferences: Set<string>;
  /** Conferences with a conference-level event (create, destroy, lock, unlock). */
  conferenceLevel: Set<string>;
  /** `conference_id` + "\n" + `call_id` of calls with any event. */
  calls: Set<string>;
}

export function emptyTouched(): Touched {
  return { conferences: new Set(), conferenceLevel: new Set(), calls: new Set() };
}

/** Records one committed event in `touched`. */
export function touch(
  touched: Touched,
  event: { conferenceId: string; callId: string | undefined; event: string },
): void {
  touched.conferences.add(event.conferenceId);
  if (event.callId === undefined || conferenceLevelEvents.has(event.event)) {
    touched.conferenceLevel.add(event.conferenceId);
  } else {
    touched.calls.add(`${event.conferenceId}\n${event.callId}`);
  }
}

/** Something reconciliation left alone, and why. */
export interface Skipped {
  conferenceId: string;
  callId?: string;
  reason: string;
}

const flagEvents = [
  ["speak", "unmute-member", "mute-member"],
  ["hear", "undeaf-member", "deaf-member"],
  ["talking", "start-talking", "stop-talking"],
] as const;
const flagDefaults: Record<string, boolean> = { speak: true, hear: true, talking: false };

function memberOfRow(row: ParticipantRow): PlannedMember {
  return {
    callId: row.callId,
    participantId: row.participantId,
    callerIdName: row.callerIdName ?? undefined,
    callerIdNumber: row.callerIdNumber ?? undefined,
    customChannelVars: row.customChannelVars,
    channelVars: participantView(row, 0).conference_channel_vars as Record<string, unknown>,
    joinTime: undefined,
  };
}

function memberOfAnswer(p: SearchParticipant): PlannedMember {
  const vars = (p.conference_channel_vars ?? {}) as Record<string, unknown>;
  return {
    callId: p.call_id,
    participantId: p.participant_id,
    callerIdName: p.caller_id_name,
    callerIdNumber: p.caller_id_number,
    customChannelVars: p.custom_channel_vars ?? {},
    channelVars: { ...flagDefaults, member_id: p.participant_id, ...vars },
    joinTime: p.join_time,
  };
}

/** Plans the events for one conference; `skipped` collects what was left alone. */
export function planConference(
  live: LiveConference,
  verdict: Verdict,
  touched: Touched,
  skipped: Skipped[],
): PlannedEvent[] {
  const { conferenceId, accountId, runtime } = live;
  const skip = (reason: string, callId?: string) => {
    skipped.push({ conferenceId, ...(callId === undefined ? {} : { callId }), reason });
    return [];
  };
  if (verdict.kind === "unknown") {
    return runtime ? skip(verdict.reason) : [];
  }
  const out: PlannedEvent[] = [];
  const emit = (event: string, instanceId: string | undefined, member?: PlannedMember) =>
    out.push({ event, accountId, conferenceId, instanceId, ...(member ? { member } : {}) });
  const leaveAll = () => {
    const instanceId = runtime?.instanceId ?? undefined;
    // Moderators last: a media server that vanished is not a host ending the meeting.
    const order = [...live.participants].sort(
      (a, b) => Number(a.isModerator) - Number(b.isModerator),
    );
    for (const row of order) {
      const member = memberOfRow(row);
      member.channelVars = { ...member.channelVars, talking: false, floor: false };
      emit("del-member", instanceId, member);
    }
    emit("conference-destroy", instanceId);
  };
  const start = (running: Extract<Verdict, { kind: "running" }>) => {
    if (running.participants.length === 0) {
      return;
    }
    out.push({
      event: "conference-create",
      accountId,
      conferenceId,
      instanceId: running.uuid,
      ...(running.startTime === undefined ? {} : { startTime: running.startTime }),
    });
    for (const participant of running.participants) {
      emit("add-member", running.uuid, memberOfAnswer(participant));
    }
    if (running.locked) {
      emit("lock", running.uuid);
    }
  };

  if (verdict.kind === "absent") {
    if (!runtime) {
      return [];
    }
    if (touched.conferences.has(conferenceId)) {
      return skip("events arrived while the media servers were asked");
    }
    leaveAll();
    return out;
  }
  if (!runtime) {
    if (touched.conferences.has(conferenceId)) {
      return verdict.participants.length > 0
        ? skip("events arrived while the media servers were asked")
        : [];
    }
    start(verdict);
    return out;
  }
  if (touched.conferenceLevel.has(conferenceId)) {
    return skip("the conference changed while the media servers were asked");
  }
  if (verdict.uuid && runtime.instanceId && verdict.uuid !== runtime.instanceId) {
    // The media server runs a new instance: the run parley knows ended while it was not looking.
    if (touched.conferences.has(conferenceId)) {
      return skip("events arrived while the media servers were asked");
    }
    leaveAll();
    start(verdict);
    return out;
  }
  const instanceId = runtime.instanceId ?? verdict.uuid;
  const known = new Map(live.participants.map((row) => [row.callId, row]));
  const answered = new Set(verdict.participants.map((p) => p.call_id));
  const busy = (callId: string) => touched.calls.has(`${conferenceId}\n${callId}`);
  const leaving: PlannedEvent[] = [];
  for (const participant of verdict.participants) {
    const row = known.get(participant.call_id);
    if (busy(participant.call_id)) {
      if (!row || row.participantId !== participant.participant_id) {
        skip("the call changed while the media servers were asked", participant.call_id);
      }
      continue;
    }
    const theirs = memberOfAnswer(participant);
    if (!row) {
      emit("add-member", instanceId, theirs);
      continue;
    }
    const member = memberOfRow(row);
    for (const [flag, on, off] of flagEvents) {
      const wanted = theirs.channelVars[flag];
      if (typeof wanted === "boolean" && wanted !== member.channelVars[flag]) {
        member.channelVars = { ...member.channelVars, [flag]: wanted };
        emit(wanted ? on : off, instanceId, { ...member, channelVars: { ...member.channelVars } });
      }
    }
  }
  if (verdict.locked !== undefined && verdict.locked !== runtime.locked) {
    emit(verdict.locked ? "lock" : "unlock", instanceId);
  }
  for (const row of live.participants) {
    if (answered.has(row.callId)) {
      continue;
    }
    if (busy(row.callId)) {
      skip("the call changed while the media servers were asked", row.callId);
      continue;
    }
    const member = memberOfRow(row);
    member.channelVars = { ...member.channelVars, talking: false, floor: false };
    leaving.push({ event: "del-member", accountId, conferenceId, instanceId: instanceId, member });
  }
  out.push(...leaving);
  return out;
}
