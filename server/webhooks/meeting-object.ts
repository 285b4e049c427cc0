/**
 * Seed 001's `meeting` object for events that are not about the run itself (a recording, a
 * transcript, a chat message): the conference's live run, else the run the caller names (the one
 * that just ended), with `endedAt` when asked (`null` while it runs). Called inside the ingest
 * transaction, so it reads the store, not the live-state cache.
 * @module
 */
import type { LiveState } from "../domain/live-state";
import type { RunInfo } from "../domain/transitions";
import { type DeriveContext, meetingOf } from "./derive";

export type MeetingObject = (
  conferenceId: string,
  accountId: string,
  options?: { endedAt?: number | null; run?: RunInfo },
) => Record<string, unknown>;

export function createMeetingObject(deps: {
  live: LiveState;
  context: DeriveContext;
  now: () => number;
}): MeetingObject {
  return (conferenceId, accountId, options = {}) => {
    const runtime = deps.live.runtimeNow(conferenceId);
    const run = runtime
      ? { conferenceId, accountId, instanceId: runtime.instanceId, startedAt: runtime.startedAt }
      : (options.run ?? { conferenceId, accountId, instanceId: null, startedAt: deps.now() });
    const meeting = meetingOf(run, deps.context, options.endedAt ?? undefined);
    return options.endedAt === null ? { ...meeting, endedAt: null } : meeting;
  };
}
