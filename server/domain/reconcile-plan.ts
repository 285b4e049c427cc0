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

type Running = Extract<Verdict, { kind: "running" }>;

const RACED = "events arrived while the media servers were asked";
const CALL_RACED = "the call changed while the media servers were asked";

/** Plans the events for one conference; `skipped` collects what was left alone. */
export function planConference(
  live: LiveConference,
  verdict: Verdict,
  touched: Touched,
  skipped: Skipped[],
): PlannedEvent[] {
  return new ConferencePlan(live, touched, skipped).plan(verdict);
}

/** The events planned for one conference so far, and the rules that add them. */
class ConferencePlan {
  readonly #live: LiveConference;
  readonly #touched: Touched;
  readonly #skipped: Skipped[];
  readonly #out: PlannedEvent[] = [];

  constructor(live: LiveConference, touched: Touched, skipped: Skipped[]) {
    this.#live = live;
    this.#touched = touched;
    this.#skipped = skipped;
  }

  plan(verdict: Verdict): PlannedEvent[] {
    const { conferenceId, runtime } = this.#live;
    if (verdict.kind === "unknown") {
      return runtime ? this.#skip(verdict.reason) : [];
    }
    const raced = this.#touched.conferences.has(conferenceId);
    if (verdict.kind === "absent") {
      if (!runtime) {
        return [];
      }
      if (raced) {
        return this.#skip(RACED);
      }
      this.#leaveAll();
      return this.#out;
    }
    if (!runtime) {
      if (raced) {
        return verdict.participants.length > 0 ? this.#skip(RACED) : [];
      }
      this.#start(verdict);
      return this.#out;
    }
    if (this.#touched.conferenceLevel.has(conferenceId)) {
      return this.#skip("the conference changed while the media servers were asked");
    }
    if (verdict.uuid && runtime.instanceId && verdict.uuid !== runtime.instanceId) {
      // The media server runs a new instance: the run parley knows ended while it was not looking.
      if (raced) {
        return this.#skip(RACED);
      }
      this.#leaveAll();
      this.#start(verdict);
      return this.#out;
    }
    this.#align(verdict, runtime.instanceId ?? verdict.uuid, runtime.locked);
    return this.#out;
  }

  #skip(reason: string, callId?: string): PlannedEvent[] {
    const { conferenceId } = this.#live;
    this.#skipped.push({ conferenceId, ...(callId === undefined ? {} : { callId }), reason });
    return [];
  }

  #emit(event: string, instanceId: string | undefined, member?: PlannedMember): void {
    const { accountId, conferenceId } = this.#live;
    this.#out.push({ event, accountId, conferenceId, instanceId, ...(member ? { member } : {}) });
  }

  /** Everyone leaves and the conference ends: the media servers no longer run this run. */
  #leaveAll(): void {
    const instanceId = this.#live.runtime?.instanceId ?? undefined;
    // Moderators last: a media server that vanished is not a host ending the meeting.
    const order = [...this.#live.participants].sort(
      (a, b) => Number(a.isModerator) - Number(b.isModerator),
    );
    for (const row of order) {
      this.#emit("del-member", instanceId, silenced(memberOfRow(row)));
    }
    this.#emit("conference-destroy", instanceId);
  }

  /** The run the media servers report, from its creation: members, then the lock. */
  #start(running: Running): void {
    if (running.participants.length === 0) {
      return;
    }
    const { accountId, conferenceId } = this.#live;
    this.#out.push({
      event: "conference-create",
      accountId,
      conferenceId,
      instanceId: running.uuid,
      ...(running.startTime === undefined ? {} : { startTime: running.startTime }),
    });
    for (const participant of running.participants) {
      this.#emit("add-member", running.uuid, memberOfAnswer(participant));
    }
    if (running.locked) {
      this.#emit("lock", running.uuid);
    }
  }

  /** The same run on both sides: missed joins, flag changes and the lock, then missed leaves. */
  #align(verdict: Running, instanceId: string | undefined, locked: boolean): void {
    const known = new Map(this.#live.participants.map((row) => [row.callId, row]));
    for (const participant of verdict.participants) {
      const row = known.get(participant.call_id);
      if (this.#busy(participant.call_id)) {
        if (!row || row.participantId !== participant.participant_id) {
          this.#skip(CALL_RACED, participant.call_id);
        }
        continue;
      }
      const theirs = memberOfAnswer(participant);
      if (row) {
        this.#alignFlags(memberOfRow(row), theirs, instanceId);
      } else {
        this.#emit("add-member", instanceId, theirs);
      }
    }
    if (verdict.locked !== undefined && verdict.locked !== locked) {
      this.#emit(verdict.locked ? "lock" : "unlock", instanceId);
    }
    this.#leaveUnanswered(new Set(verdict.participants.map((p) => p.call_id)), instanceId);
  }

  /** One event per flag the media server reports otherwise, each carrying the state after it. */
  #alignFlags(member: PlannedMember, theirs: PlannedMember, instanceId: string | undefined): void {
    for (const [flag, on, off] of flagEvents) {
      const wanted = theirs.channelVars[flag];
      if (typeof wanted === "boolean" && wanted !== member.channelVars[flag]) {
        member.channelVars = { ...member.channelVars, [flag]: wanted };
        this.#emit(wanted ? on : off, instanceId, {
          ...member,
          channelVars: { ...member.channelVars },
        });
      }
    }
  }

  /** Participants parley knows and the answer does not name have left. */
  #leaveUnanswered(answered: Set<string>, instanceId: string | undefined): void {
    for (const row of this.#live.participants) {
      if (answered.has(row.callId)) {
        continue;
      }
      if (this.#busy(row.callId)) {
        this.#skip(CALL_RACED, row.callId);
        continue;
      }
      this.#emit("del-member", instanceId, silenced(memberOfRow(row)));
    }
  }

  #busy(callId: string): boolean {
    return this.#touched.calls.has(`${this.#live.conferenceId}\n${callId}`);
  }
}

/** A leaving member stops talking and loses the floor. */
function silenced(member: PlannedMember): PlannedMember {
  return { ...member, channelVars: { ...member.channelVars, talking: false, floor: false } };
}
