/**
 * Turns live-state transitions into outbound webhook events with seed 001's payloads
 * (`meeting.started`, `meeting.participantJoined`, …). Talking events are coalesced per
 * participant: a start within `talkingIntervalMs` of the last one sent is dropped, and so is the
 * stop that pairs with a dropped start.
 * @module
 */
import type { WebhookEventType } from "../../protocol/webhooks";
import { newEventId, type OutboundEvent } from "../domain/facts";
import type { Entropy } from "../domain/ids";
import type { MemberInfo, RunInfo, Transition } from "../domain/transitions";

export { newEventId, type OutboundEvent } from "../domain/facts";

/** What deriving needs to know beyond the transition. */
export interface DeriveContext {
  conference(conferenceId: string): {
    title: string;
    createdAt: number | null;
    number: string | null;
  };
  accountName(accountId: string): string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Seed 001's `meeting` object. */
export function meetingOf(
  run: RunInfo,
  ctx: DeriveContext,
  endedAt?: number,
): Record<string, unknown> {
  const conference = ctx.conference(run.conferenceId);
  return {
    id: run.conferenceId,
    sessionId: run.instanceId ?? `${run.conferenceId}-${run.startedAt}`,
    title: conference.title,
    status: "LIVE",
    createdAt: iso(conference.createdAt ?? run.startedAt),
    startedAt: iso(run.startedAt),
    ...(endedAt === undefined ? {} : { endedAt: iso(endedAt) }),
    organizedBy: { id: run.accountId, name: ctx.accountName(run.accountId) },
  };
}

/** The id a client gave the participant: the Kazoo user (owner_id), else the caller's number. */
function customIdOf(member: MemberInfo): string {
  const vars = member.customChannelVars;
  const owner = vars.owner_id ?? vars.presence_id ?? vars.username;
  return typeof owner === "string" && owner ? owner : (member.callerIdNumber ?? member.callId);
}

/** Seed 001's `participant` object. */
function participantOf(member: MemberInfo, leftAt?: number): Record<string, unknown> {
  const custom = customIdOf(member);
  return {
    peerId: member.callId,
    userDisplayName: member.callerIdName ?? member.callerIdNumber ?? "",
    clientSpecificId: custom,
    customParticipantId: custom,
    joinedAt: iso(member.joinedAt),
    ...(leftAt === undefined ? {} : { leftAt: iso(leftAt) }),
  };
}

const memberTypes = {
  muted: "meeting.participantMuted",
  unmuted: "meeting.participantUnmuted",
  deafened: "meeting.participantDeafened",
  undeafened: "meeting.participantUndeafened",
  talkingStarted: "meeting.participantTalkingStarted",
  talkingStopped: "meeting.participantTalkingStopped",
} as const;

export interface Deriver {
  derive(
    transitions: Transition[],
    source: { seq: number; at: number; raw: Record<string, unknown> },
  ): OutboundEvent[];
}

export function createDeriver(
  ctx: DeriveContext,
  entropy: Entropy,
  talkingIntervalMs = 2000,
  maxTalkingEntries = 100_000,
): Deriver {
  const talking = createTalkingCoalescer(talkingIntervalMs, maxTalkingEntries);
  const keepTalking = (t: Transition & { member: MemberInfo }, at: number): boolean =>
    t.kind === "talkingStarted"
      ? talking.start(t.run.conferenceId, t.member.callId, at)
      : talking.stop(t.run.conferenceId, t.member.callId);

  return {
    derive(transitions, source) {
      const out: OutboundEvent[] = [];
      const emit = (
        type: WebhookEventType,
        run: RunInfo,
        data: Record<string, unknown>,
        extra: Record<string, unknown> = {},
      ) => {
        const conference = ctx.conference(run.conferenceId);
        out.push({
          id: newEventId(entropy),
          accountId: run.accountId,
          conferenceId: run.conferenceId,
          type,
          seq: source.seq,
          occurredAt: source.at,
          data: { event: type, ...data },
          raw: source.raw,
          extra: { number: conference.number, ...extra },
        });
      };
      for (const t of transitions) {
        switch (t.kind) {
          case "started":
            emit("meeting.started", t.run, { meeting: meetingOf(t.run, ctx) });
            break;
          case "ended":
            talking.forgetConference(t.run.conferenceId);
            emit("meeting.ended", t.run, {
              meeting: meetingOf(t.run, ctx, t.at),
              reason: t.reason,
            });
            break;
          case "joined":
            emit(
              "meeting.participantJoined",
              t.run,
              { meeting: meetingOf(t.run, ctx), participant: participantOf(t.member) },
              { isModerator: t.member.isModerator },
            );
            break;
          case "left":
            talking.forget(t.run.conferenceId, t.member.callId);
            emit(
              "meeting.participantLeft",
              t.run,
              { meeting: meetingOf(t.run, ctx), participant: participantOf(t.member, t.at) },
              { isModerator: t.member.isModerator },
            );
            break;
          case "locked":
          case "unlocked":
            emit(t.kind === "locked" ? "meeting.locked" : "meeting.unlocked", t.run, {
              meeting: meetingOf(t.run, ctx),
            });
            break;
          default:
            if (
              (t.kind === "talkingStarted" || t.kind === "talkingStopped") &&
              !keepTalking(t, source.at)
            ) {
              break;
            }
            emit(memberTypes[t.kind], t.run, {
              meeting: meetingOf(t.run, ctx),
              participant: participantOf(t.member),
            });
        }
      }
      return out;
    },
  };
}

/**
 * Talking coalescing: at most one talking start per participant every `intervalMs`, and a stop
 * only for a start that went out. The state is a bounded cache, not a record: a participant's
 * entry goes when they leave, a conference's when it ends, and the least recently active beyond
 * `maxEntries` are evicted. A stop for a participant with no entry (evicted, or parley restarted
 * since the start) is sent: a receiver can take a second stop, not a missing one.
 */
export function createTalkingCoalescer(intervalMs: number, maxEntries: number) {
  /** Conference → call → when its last start went out and whether its stop is owed. */
  const conferences = new Map<string, Map<string, { lastStart: number; owesStop: boolean }>>();
  let entries = 0;

  const entryOf = (conferenceId: string, callId: string) => {
    let calls = conferences.get(conferenceId);
    if (calls) {
      // Most recently active conferences move to the end: eviction takes from the front.
      conferences.delete(conferenceId);
    } else {
      calls = new Map();
    }
    conferences.set(conferenceId, calls);
    let state = calls.get(callId);
    if (!state) {
      state = { lastStart: Number.NEGATIVE_INFINITY, owesStop: false };
      calls.set(callId, state);
      entries += 1;
      evict();
    }
    return state;
  };
  const evict = () => {
    for (const [conferenceId, calls] of conferences) {
      if (entries <= maxEntries) {
        return;
      }
      conferences.delete(conferenceId);
      entries -= calls.size;
    }
  };
  const forget = (conferenceId: string, callId: string) => {
    const calls = conferences.get(conferenceId);
    if (calls?.delete(callId)) {
      entries -= 1;
      if (calls.size === 0) {
        conferences.delete(conferenceId);
      }
    }
  };

  return {
    /** True when this talking start goes out. */
    start(conferenceId: string, callId: string, at: number): boolean {
      const state = entryOf(conferenceId, callId);
      if (at - state.lastStart < intervalMs) {
        return false;
      }
      state.lastStart = at;
      state.owesStop = true;
      return true;
    },
    /** True when this talking stop goes out. */
    stop(conferenceId: string, callId: string): boolean {
      const state = conferences.get(conferenceId)?.get(callId);
      if (!state) {
        return true;
      }
      const owed = state.owesStop;
      state.owesStop = false;
      return owed;
    },
    forget,
    forgetConference(conferenceId: string): void {
      const calls = conferences.get(conferenceId);
      if (calls) {
        entries -= calls.size;
        conferences.delete(conferenceId);
      }
    },
    /** Participants currently tracked (for tests of the bound). */
    size: () => entries,
  };
}
