/**
 * Recordings, chat, livestream and transcript events, applied inside the ingest transaction:
 * each kind goes to the module that owns its job (`recordings.ts`, `chat-log.ts`,
 * `stream-events.ts`), and what it brought about is published as notices in the same
 * transaction. A run's end brings the chat export link and, once every recording is in,
 * `recording.done`. Seed payloads are the webhooks side's (`server/webhooks/side-payloads.ts`).
 * @module
 */

import { applyChat, ChatLog, chatSynced } from "./chat-log";
import type { DecodedSideEvent } from "./inbound-event";
import type { MeetingRow } from "./meeting-rows";
import { applyRecording, type RecordingRow, Recordings, recordingsDone } from "./recordings";
import type { EndedRun } from "./session-log";
import type { NoticeSource, SideNotice } from "./side-notices";
import type { UrlSigner } from "./signed-urls";
import type { SqlStore } from "./store";
import { applyStreamEvent } from "./stream-events";
import type { Transition } from "./transitions";

export type { RecordingRow } from "./recordings";
export type { SideNotice } from "./side-notices";

export interface SideEventDeps {
  sqlite: SqlStore;
  /** Signs recording downloads and chat exports. */
  signer: UrlSigner;
  meetingByConference(conferenceId: string): MeetingRow | undefined;
  /** Whether the conference runs now (read from the store: called inside the ingest). */
  isRunning(conferenceId: string): boolean;
  /** The conference's most recent ended run (from the store: it survives restarts). */
  lastEndedRun(conferenceId: string): EndedRun | undefined;
  /**
   * Called inside the ingest transaction with what happened, so the webhook events commit (or
   * roll back) with the event; `server/webhooks/side-payloads.ts` words them.
   */
  publish(notices: SideNotice[]): void;
}

export interface SideEvents {
  apply(event: DecodedSideEvent, accountId: string, source: NoticeSource & { at: number }): void;
  /** Meeting ended: chat export link, and `recording.done` if every recording is uploaded. */
  onTransitions(transitions: Transition[]): void;
  /** Seed 002's recording model for every recording of a conference, with fresh links. */
  recordingViews(conferenceId: string, roomId: string): Record<string, unknown>[];
  recording(id: string): RecordingRow | undefined;
}

export function createSideEvents(deps: SideEventDeps): SideEvents {
  const recordings = new Recordings(deps.sqlite, deps.signer);
  const chat = new ChatLog(deps.sqlite, deps.signer);
  const publish = (notices: SideNotice[]) => {
    if (notices.length > 0) {
      deps.publish(notices);
    }
  };
  return {
    apply(event, accountId, source) {
      switch (event.category) {
        case "recording":
          return publish(applyRecording(recordings, deps, event, accountId, source));
        case "chat":
          return publish(applyChat(chat, deps, event, accountId, source));
        case "livestream":
        case "transcript":
          return publish(applyStreamEvent(deps, event, accountId, source));
      }
    },
    onTransitions(transitions) {
      for (const t of transitions) {
        if (t.kind === "ended") {
          publish([
            ...chatSynced(chat, t.run, t.at),
            ...recordingsDone(recordings, deps, t.run.conferenceId, t.at),
          ]);
        }
      }
    },
    recordingViews: (conferenceId, roomId) => recordings.models(conferenceId, roomId),
    recording: (id) => recordings.byId(id),
  };
}
