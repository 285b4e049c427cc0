/**
 * The webhook events of chat: `meeting.chatMessage` for each message (with what the `bbb`
 * format's chat event needs in `extra`) and seed 001's `meeting.chatSynced` when a run with
 * messages ends (the signed CSV export link and its expiry).
 * @module
 */
import type { Fact } from "../domain/facts";
import type { SideNotice } from "../domain/side-notices";
import { expiryText, type SidePresenter, sideFact } from "./side-fact";

type Notice<T extends SideNotice["type"]> = Extract<SideNotice, { type: T }>;

const optionalText = (value: string | number | undefined) =>
  value === undefined ? null : String(value);

/** `meeting.chatMessage`: the message, its sender and (private chat) its receiver. */
export function chatMessageFact(
  notice: Notice<"meeting.chatMessage">,
  present: SidePresenter,
): Fact {
  const { chat: p, accountId, conferenceId } = notice;
  const chatMessage = {
    id: notice.id,
    message: p.message,
    chatType: p.chat_type,
    sender: { id: p.from_user_id, name: p.from_username ?? null, callId: notice.callId },
    ...(p.to_user_id === undefined
      ? {}
      : { receiver: { id: p.to_user_id, name: p.to_username ?? null } }),
    sentAt: new Date(Math.round(notice.sentAt)).toISOString(),
  };
  const meeting = present.meetingObject(conferenceId, accountId, notice.run);
  return sideFact(
    notice,
    notice.type,
    { meeting, chatMessage },
    {
      chatType: p.chat_type,
      fromUserId: String(p.from_user_id),
      toUserId: optionalText(p.to_user_id),
      timezoneOffset: optionalText(p.from_timezone_offset),
      time: optionalText(p.from_time),
    },
  );
}

/** Seed 001's `meeting.chatSynced`: where the ended run's chat can be downloaded. */
export function chatSyncedFact(notice: Notice<"meeting.chatSynced">, present: SidePresenter): Fact {
  const { run, at, link } = notice;
  const { conferenceId, accountId } = run;
  const meeting = present.meetingObject(conferenceId, accountId, { endedAt: at, run });
  return sideFact({ accountId, conferenceId, at }, notice.type, {
    sessionId: meeting.sessionId,
    meetingId: conferenceId,
    chatDownloadUrl: link.url,
    chatDownloadUrlExpiry: expiryText(link.expiresAt),
    organizedBy: meeting.organizedBy,
  });
}
