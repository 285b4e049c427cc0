/**
 * Livestream status and transcripts: nothing to store, only what to tell the account's
 * endpoints (a transcript names the run it belongs to, which may have just ended).
 * @module
 */
import type { DecodedSideEvent } from "./inbound-event";
import { type RunMemory, runNamedBy } from "./run-memory";
import type { NoticeSource, SideNotice } from "./side-notices";

type StreamEvent = Extract<DecodedSideEvent, { category: "livestream" | "transcript" }>;

/** States a livestream's new status, or a transcript ready for download. */
export function applyStreamEvent(
  memory: RunMemory,
  event: StreamEvent,
  accountId: string,
  source: NoticeSource & { at: number },
): SideNotice[] {
  const { conferenceId } = event;
  const { at, seq, raw } = source;
  const common = { accountId, conferenceId, at, source: { seq, raw } };
  if (event.category === "livestream") {
    return [
      {
        ...common,
        type: "livestreaming.statusUpdate",
        streamId: event.subjectId,
        status: event.payload.status,
      },
    ];
  }
  return [
    {
      ...common,
      type: "meeting.transcript",
      url: event.payload.url,
      expiresAt: event.payload.expires_at,
      run: runNamedBy(memory, conferenceId),
    },
  ];
}
