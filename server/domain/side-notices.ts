/**
 * What a side event or the end of a run brought about, as the domain states it: a recording's
 * status changed, a meeting's recordings are all in, a chat message was posted, a run's chat can
 * be downloaded, a livestream's status changed, a transcript is ready. The webhooks side words
 * each as its seed payload (`server/webhooks/side-payloads.ts`); the domain owns only the facts.
 * @module
 */
import type { SidePayloads } from "./inbound-event";
import type { MeetingRow } from "./meeting-rows";
import type { RecordingRow } from "./recordings";
import type { RunRef } from "./run-memory";
import type { RunInfo } from "./transitions";

/** The event-log entry a notice reports: its `seq` and the normalised event (`raw` webhooks). */
export interface NoticeSource {
  seq: number;
  raw: Record<string, unknown>;
}

/** What every notice about one inbound event carries. */
interface FromEvent {
  accountId: string;
  conferenceId: string;
  at: number;
  source: NoticeSource;
}

export type SideNotice =
  | (FromEvent & {
      type: "recording.statusUpdate";
      recording: RecordingRow;
      /** The meeting room the conference belongs to (the conference itself without one). */
      roomId: string;
      /** The record-and-playback step the event reports, if any. */
      step: string | null;
      run: RunRef;
    })
  | {
      type: "recording.done";
      conferenceId: string;
      at: number;
      meeting: MeetingRow;
      /** Seed 002's model of each upload, with the file name it was stored under. */
      recordings: Array<{ model: Record<string, unknown>; fileUid: string }>;
    }
  | (FromEvent & {
      type: "meeting.chatMessage";
      /** The stored message's id. */
      id: number;
      /** The call that sent it. */
      callId: string | undefined;
      chat: SidePayloads["chat"];
      sentAt: number;
      run: RunRef;
    })
  | {
      type: "meeting.chatSynced";
      at: number;
      /** The run that ended, whose messages the link exports. */
      run: RunInfo;
      link: { url: string; expiresAt: number };
    }
  | (FromEvent & {
      type: "livestreaming.statusUpdate";
      streamId: string | undefined;
      status: SidePayloads["livestream"]["status"];
    })
  | (FromEvent & {
      type: "meeting.transcript";
      url: string;
      /** The expiry the media server gave, as it wrote it. */
      expiresAt: string | undefined;
      run: RunRef;
    });
