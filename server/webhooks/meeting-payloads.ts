/**
 * The webhook events of meeting notices: `meeting.notify` (`reason`, `meeting`, `recipients`) and
 * `meeting.reminder` (`meeting`, `recipients`, `startsIn`). The domain decides who hears of what
 * (`domain/meeting-notices.ts`); this module owns the payload shape. parley sends no mail: the
 * account's endpoint does, from these.
 * @module
 */
import type { MeetingModel } from "../../protocol/meetings";
import type { Fact } from "../domain/facts";
import type { MeetingNotice, MeetingRow } from "../domain/meetings";

/** A recipient on the wire: an attendee as stored, or the host flagged `host: true`. */
type Recipient = { id?: number | string; email?: string; host?: true };

/**
 * The webhook event for a notice.
 * @param present the server's meeting presenter (`http/meeting-format.ts`), so the `meeting` in a
 *   webhook is the one the API answers.
 */
export function meetingNoticeFact(
  notice: MeetingNotice,
  present: (row: MeetingRow) => MeetingModel,
): Fact {
  const meeting = present(notice.meeting);
  const recipients: Recipient[] = [...notice.recipients.attendees];
  if (notice.recipients.host) {
    recipients.push({ id: meeting.host_id, host: true });
  }
  const data =
    notice.type === "meeting.notify"
      ? { event: notice.type, reason: notice.reason, meeting, recipients }
      : { event: notice.type, meeting, recipients, startsIn: notice.startsIn };
  return {
    accountId: notice.meeting.accountId,
    conferenceId: notice.meeting.conferenceId,
    type: notice.type,
    seq: null,
    occurredAt: notice.at,
    data,
    raw: null,
    extra: {},
  };
}
