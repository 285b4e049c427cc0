/**
 * The webhook events of recordings: seed 001's `recording.statusUpdate` (the recording, the
 * meeting it belongs to, the record-and-playback step for the `bbb` format) and seed 002's
 * `recording.done` (ConnectyCube's body: the meeting, its host as a ConnectyCube user, and the
 * call records).
 * @module
 */
import type { Fact } from "../domain/facts";
import { isoSeconds } from "../domain/recordings";
import type { SideNotice } from "../domain/side-notices";
import { expiryText, type SidePresenter, sideFact } from "./side-fact";

type Notice<T extends SideNotice["type"]> = Extract<SideNotice, { type: T }>;

/** Seed 001's `recording.statusUpdate`. */
export function recordingStatusFact(
  notice: Notice<"recording.statusUpdate">,
  present: SidePresenter,
): Fact {
  const { recording: row, accountId, conferenceId } = notice;
  const recording = {
    id: row.id,
    recordingId: row.id,
    meetingId: conferenceId,
    organizationId: accountId,
    status: row.status,
    startedTime: expiryText(row.started_at),
    roomUUID: notice.roomId,
    outputFileName: row.output_file_name ?? null,
  };
  const meeting = present.meetingObject(conferenceId, accountId, notice.run);
  return sideFact(
    notice,
    notice.type,
    { recording, meeting },
    { rapStep: notice.step, recordId: row.id },
  );
}

/** Seed 002's `recording.done`: ConnectyCube's webhook body. */
export function recordingDoneFact(notice: Notice<"recording.done">, present: SidePresenter): Fact {
  const { meeting } = notice;
  const view = present.meeting(meeting);
  const hostId = view.host_id;
  const stamp = isoSeconds(meeting.createdAt);
  const body = {
    meeting: view,
    hostUser: {
      _id: meeting.hostId,
      id: hostId,
      created_at: stamp,
      updated_at: stamp,
      last_request_at: null,
      login: String(hostId),
      full_name: null,
      timezone: null,
      email: null,
      phone: null,
      website: null,
      twitter_id: null,
      external_user_id: null,
      facebook_id: null,
      custom_data: null,
      user_tags: null,
      avatar: null,
      external_id: null,
      is_guest: null,
    },
    callRecords: notice.recordings.map(({ model, fileUid }) => ({ ...model, file_uid: fileUid })),
  };
  return sideFact(
    { accountId: meeting.accountId, conferenceId: notice.conferenceId, at: notice.at },
    notice.type,
    body,
  );
}
