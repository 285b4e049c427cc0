/**
 * Turns live-state transitions into outbound webhook events with seed 001's payloads
 * (`meeting.started`, `meeting.participantJoined`, …). Talking events are coalesced per
 * participant: a start within `talkingIntervalMs` of the last one sent is dropped, and so is the
 * stop that pairs with a dropped start.
 * @module
 */
import type { WebhookEventType } from "../../protocol/webhooks";
import { newEventId, type OutboundEvent } from "../domain/facts";
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

export function createDeriver(ctx: DeriveContext, talkingIntervalMs = 2000): Deriver {
  /** Per participant: when the last talking start went out, and whether its stop is owed. */
  const talking = new Map<string, { lastStart: number; owesStop: boolean }>();

  const keepTalking = (t: Transition & { member: MemberInfo }, at: number): boolean => {
    const key = `${t.run.conferenceId}\u0000${t.member.callId}`;
    const state = talking.get(key) ?? { lastStart: Number.NEGATIVE_INFINITY, owesStop: false };
    talking.set(key, state);
    if (t.kind === "talkingStarted") {
      if (at - state.lastStart < talkingIntervalMs) {
        return false;
      }
      state.lastStart = at;
      state.owesStop = true;
      return true;
    }
    const owed = state.owesStop;
    state.owesStop = false;
    return owed;
  };

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
          id: newEventId(),
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
            talkingForget(talking, t.run.conferenceId);
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

function talkingForget(talking: Map<string, unknown>, conferenceId: string): void {
  for (const key of talking.keys()) {
    if (key.startsWith(`${conferenceId}\u0000`)) {
      talking.delete(key);
    }
  }
}
