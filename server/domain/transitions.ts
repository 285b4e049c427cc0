/**
 * What an applied event changed, in the terms webhooks speak: a meeting started or ended, a
 * participant joined, left, was muted, … Derived inside the ingest transaction from the state
 * before and after, so each is produced exactly once.
 * @module
 */

/** A conference run, as the transition saw it. */
export interface RunInfo {
  conferenceId: string;
  accountId: string;
  instanceId: string | null;
  startedAt: number;
}

/** A participant, as the transition saw it. */
export interface MemberInfo {
  callId: string;
  participantId: number;
  callerIdName: string | null;
  callerIdNumber: string | null;
  isModerator: boolean;
  joinedAt: number;
  customChannelVars: Record<string, unknown>;
  /** The flags at the moment of the transition (history counts the intervals). */
  muted: boolean;
  deaf: boolean;
  talking: boolean;
}

/** How a run ended, in the history's words. */
export type EndCause = "last_member_left" | "host_ended" | "destroyed";

export type Transition =
  | { kind: "started"; run: RunInfo }
  | {
      kind: "ended";
      run: RunInfo;
      reason: "ALL_PARTICIPANTS_LEFT" | "HOST_ENDED_MEETING";
      cause: EndCause;
      at: number;
    }
  | { kind: "joined"; run: RunInfo; member: MemberInfo }
  | {
      kind: "left";
      run: RunInfo;
      member: MemberInfo;
      at: number;
      /** `destroyed`: the conference was torn down around the member. */
      cause: "left" | "destroyed";
    }
  | {
      kind: "muted" | "unmuted" | "deafened" | "undeafened" | "talkingStarted" | "talkingStopped";
      run: RunInfo;
      member: MemberInfo;
    }
  | { kind: "locked" | "unlocked"; run: RunInfo };

/** How long after a host action a meeting's end still counts as the host ending it. */
export const HOST_END_WINDOW_MS = 10_000;
