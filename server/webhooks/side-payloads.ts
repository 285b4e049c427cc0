/**
 * Words the notices of side events (`domain/side-notices.ts`) as webhook events with the seeds'
 * payloads: recordings and chat in their own modules, livestream and transcript here. Called
 * inside the ingest transaction, so the events commit with what brought them about.
 * @module
 */
import type { Fact } from "../domain/facts";
import { LINK_TTL_MS } from "../domain/recordings";
import type { SideNotice } from "../domain/side-notices";
import { chatMessageFact, chatSyncedFact } from "./chat-payloads";
import { recordingDoneFact, recordingStatusFact } from "./recording-payloads";
import { expiryText, type SidePresenter, sideFact } from "./side-fact";

export type { SidePresenter } from "./side-fact";

/** The webhook event for each notice, in order. */
export function sideEventFacts(notices: SideNotice[], present: SidePresenter): Fact[] {
  return notices.map((notice) => sideEventFact(notice, present));
}

function sideEventFact(notice: SideNotice, present: SidePresenter): Fact {
  switch (notice.type) {
    case "recording.statusUpdate":
      return recordingStatusFact(notice, present);
    case "recording.done":
      return recordingDoneFact(notice, present);
    case "meeting.chatMessage":
      return chatMessageFact(notice, present);
    case "meeting.chatSynced":
      return chatSyncedFact(notice, present);
    case "livestreaming.statusUpdate":
      // Seed 001: the stream and its status, no meeting object.
      return sideFact(notice, notice.type, { streamId: notice.streamId, status: notice.status });
    case "meeting.transcript":
      return sideFact(notice, notice.type, {
        meeting: present.meetingObject(notice.conferenceId, notice.accountId, notice.run),
        transcriptDownloadUrl: notice.url,
        transcriptDownloadUrlExpiry: notice.expiresAt ?? expiryText(notice.at + LINK_TTL_MS),
      });
  }
}
