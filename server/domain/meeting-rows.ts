/**
 * A meeting as the store keeps it, and the pure rules that produce one: a new meeting from a
 * create body, a stored meeting with a partial update merged in, when its reminder is due, and
 * which users may list it. No I/O: the service decides when these run.
 * @module
 */
import {
  type CreateMeetingBody,
  metricSeconds,
  type UpdateMeetingBody,
} from "../../protocol/meetings";
import type { meetings } from "../db/schema";
import type { Entropy } from "./ids";

/** A stored meeting (a row of `meetings`). */
export type MeetingRow = typeof meetings.$inferSelect;

/** An attendee as stored: a ConnectyCube user id, an email, or both. */
export type Attendee = MeetingRow["attendees"][number];

/** A 24-hex id, the shape of ConnectyCube's ObjectIds. */
export function newObjectId(entropy: Entropy): string {
  return entropy.bytes(12).toString("hex");
}

/** When the reminder is due (Unix ms), or `null` when the meeting sends none. */
export function reminderAtOf(
  notify: boolean,
  startDate: number,
  notifyBefore: MeetingRow["notifyBefore"],
): number | null {
  if (!notify || !notifyBefore) {
    return null;
  }
  const seconds = metricSeconds[notifyBefore.metric as keyof typeof metricSeconds] ?? 0;
  return (startDate - notifyBefore.value * seconds) * 1000;
}

/** What a new meeting needs besides its body: where it lives and who hosts it. */
export interface NewMeeting {
  accountId: string;
  conferenceId: string;
  hostId: string;
  body: CreateMeetingBody;
  at: number;
  entropy: Entropy;
}

/** A new meeting's row, with the seed's defaults for every optional field. */
export function newMeetingRow({
  accountId,
  conferenceId,
  hostId,
  body,
  at,
  entropy,
}: NewMeeting): MeetingRow {
  const notify = body.notify ?? false;
  const notifyBefore = body.notify_before ?? null;
  return {
    id: newObjectId(entropy),
    accountId,
    conferenceId,
    hostId,
    name: body.name,
    startDate: body.start_date,
    endDate: body.end_date,
    attendees: body.attendees,
    record: body.record ?? false,
    chatDialogId: body.chat ? newObjectId(entropy) : null,
    public: body.public ?? false,
    scheduled: body.scheduled ?? false,
    notify,
    notifyBefore,
    timezone: body.timezone ?? null,
    reminderAt: reminderAtOf(notify, body.start_date, notifyBefore),
    reminderSentAt: null,
    createdAt: at,
    updatedAt: at,
    deletedAt: null,
  };
}

/**
 * `row` with a partial update applied (ConnectyCube's SDK sends partial bodies); `null` clears
 * `notify_before` and `timezone`. A reminder that moves is due to go out again.
 */
export function mergeUpdate(
  row: MeetingRow,
  body: UpdateMeetingBody,
  at: number,
  entropy: Entropy,
): MeetingRow {
  const next: MeetingRow = {
    ...row,
    name: body.name ?? row.name,
    startDate: body.start_date ?? row.startDate,
    endDate: body.end_date ?? row.endDate,
    attendees: body.attendees ?? row.attendees,
    record: body.record ?? row.record,
    chatDialogId: body.chat === true && !row.chatDialogId ? newObjectId(entropy) : row.chatDialogId,
    public: body.public ?? row.public,
    scheduled: body.scheduled ?? row.scheduled,
    notify: body.notify ?? row.notify,
    notifyBefore: body.notify_before === undefined ? row.notifyBefore : body.notify_before,
    timezone: body.timezone === undefined ? row.timezone : body.timezone,
    updatedAt: at,
  };
  next.reminderAt = reminderAtOf(next.notify, next.startDate, next.notifyBefore);
  if (next.reminderAt !== row.reminderAt) {
    next.reminderSentAt = null;
  }
  return next;
}

/**
 * The users who may list a meeting, as tokens name them: the host, and every attendee with an
 * id (an attendee known only by email has no user to match). Sorted, without repeats.
 */
export function userIdsOf(row: Pick<MeetingRow, "hostId" | "attendees">): string[] {
  const ids = new Set([row.hostId]);
  for (const attendee of row.attendees) {
    if (attendee.id !== undefined) {
      ids.add(String(attendee.id));
    }
  }
  return [...ids].sort();
}

/** Whether attendee `a` is already listed as `b`: by id, or by email when `a` has no id. */
export function sameAttendee(a: Attendee, b: Attendee): boolean {
  return (
    (a.id !== undefined && a.id === b.id) ||
    (a.email !== undefined && a.id === undefined && a.email === b.email)
  );
}
