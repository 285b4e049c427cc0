/**
 * The meeting JSON parley answers on `/meetings` (seed 002's model) and puts in meeting webhooks
 * and `recording.done`: one presenter, built once per server, so every edge shows a meeting alike.
 * @module
 */
import type { MeetingModel } from "../../protocol/meetings";
import type { MeetingRow } from "../domain/meetings";

/** Shows a stored meeting as seed 002's meeting model. */
export type MeetingPresenter = (row: MeetingRow) => MeetingModel;

/**
 * ConnectyCube user ids are numbers on the wire; a user id parley cannot show as an exact number
 * (not digits, or too long) stays the string the token gave.
 */
export function userIdJson(id: string): number | string {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}

/**
 * The presenter for one server.
 * @param urlTemplate `MEETING_URL_TEMPLATE`: each `%s` becomes the meeting id; unset → `url: null`.
 */
export function meetingFormatter(urlTemplate: string | undefined): MeetingPresenter {
  return function meetingJson(row) {
    return {
      _id: row.id,
      name: row.name,
      start_date: row.startDate,
      end_date: row.endDate,
      attendees: row.attendees,
      record: row.record,
      chat_dialog_id: row.chatDialogId,
      created_at: new Date(row.createdAt).toISOString(),
      updated_at: new Date(row.updatedAt).toISOString(),
      host_id: userIdJson(row.hostId),
      public: row.public,
      scheduled: row.scheduled,
      notify: row.notify,
      notify_before: row.notifyBefore,
      timezone: row.timezone,
      conference_id: row.conferenceId,
      url: urlTemplate ? urlTemplate.replaceAll("%s", row.id) : null,
    };
  };
}
