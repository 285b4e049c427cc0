/**
 * Which notices a meeting's changes cause and whom they are for (parley sends no mail: each
 * notice goes out as a `meeting.notify` or `meeting.reminder` webhook event). Shaping them into
 * webhook payloads is the webhooks side's job (`server/webhooks/meeting-payloads.ts`).
 * @module
 */
import type { UpdateMeetingBody } from "../../protocol/meetings";
import { type Attendee, type MeetingRow, sameAttendee } from "./meeting-rows";

/** Why a `meeting.notify` goes out. */
export type NotifyReason = "created" | "notify_enabled" | "start_date_changed" | "attendees_added";

/** Whom a notice is for: these attendees, and the host when `host` is set. */
export interface Recipients {
  attendees: Attendee[];
  host: boolean;
}

/** A notice about a meeting, as of `at` (Unix ms). */
export type MeetingNotice =
  | {
      type: "meeting.notify";
      reason: NotifyReason;
      meeting: MeetingRow;
      recipients: Recipients;
      at: number;
    }
  | {
      type: "meeting.reminder";
      meeting: MeetingRow;
      recipients: Recipients;
      /** Seconds until the meeting starts (0 once it has). */
      startsIn: number;
      at: number;
    };

const everyone = (row: MeetingRow): Recipients => ({ attendees: row.attendees, host: true });

const notify = (
  meeting: MeetingRow,
  reason: NotifyReason,
  recipients: Recipients,
  at: number,
): MeetingNotice => ({ type: "meeting.notify", reason, meeting, recipients, at });

/** The notices a new meeting causes: everyone hears of it when it notifies. */
export function creationNotices(row: MeetingRow, at: number): MeetingNotice[] {
  return row.notify ? [notify(row, "created", everyone(row), at)] : [];
}

/** The notices an update from `row` to `next` by `body` causes, in this order. */
export function changeNotices(
  row: MeetingRow,
  next: MeetingRow,
  body: UpdateMeetingBody,
  at: number,
): MeetingNotice[] {
  if (!next.notify) {
    return [];
  }
  const notices: MeetingNotice[] = [];
  if (!row.notify) {
    notices.push(notify(next, "notify_enabled", everyone(next), at));
  }
  if (next.startDate !== row.startDate) {
    notices.push(notify(next, "start_date_changed", everyone(next), at));
  }
  const added = next.attendees.filter((a) => !row.attendees.some((b) => sameAttendee(a, b)));
  if (body.attendees && added.length > 0) {
    notices.push(notify(next, "attendees_added", { attendees: added, host: false }, at));
  }
  return notices;
}

/** The reminder for a meeting whose `reminder_at` has come. */
export function reminderNotice(row: MeetingRow, at: number): MeetingNotice {
  return {
    type: "meeting.reminder",
    meeting: row,
    recipients: everyone(row),
    startsIn: Math.max(0, row.startDate - Math.floor(at / 1000)),
    at,
  };
}
