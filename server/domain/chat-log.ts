/**
 * Chat messages, stored as they arrive (the CSV export reads them), and the chat export link a
 * run's end brings when the run had any messages.
 * @module
 */
import type { DecodedSideEvent } from "./inbound-event";
import { LINK_TTL_MS } from "./recordings";
import { type RunMemory, runNamedBy } from "./run-memory";
import type { NoticeSource, SideNotice } from "./side-notices";
import type { UrlSigner } from "./signed-urls";
import type { SqlStatement, SqlStore } from "./store";
import type { RunInfo } from "./transitions";

type ChatEvent = Extract<DecodedSideEvent, { category: "chat" }>;

export class ChatLog {
  readonly #signer: UrlSigner;
  readonly #insert: SqlStatement;
  readonly #countBetween: SqlStatement;

  constructor(sqlite: SqlStore, signer: UrlSigner) {
    this.#signer = signer;
    this.#insert = sqlite.prepare(
      `INSERT INTO chat_messages (account_id, conference_id, call_id, chat_type, from_user_id, from_username, to_user_id, to_username, message, sent_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    );
    this.#countBetween = sqlite.prepare(
      "SELECT count(*) AS n FROM chat_messages WHERE conference_id = ? AND sent_at >= ? AND sent_at <= ?",
    );
  }

  /** Stores a message; its time is the sender's `from_time` when it has one, else `at`. */
  store(event: ChatEvent, accountId: string, at: number): { id: number; sentAt: number } {
    const p = event.payload;
    const sentAt =
      typeof p.from_time === "number"
        ? p.from_time
        : Number.parseFloat(String(p.from_time ?? at)) || at;
    const { id } = this.#insert.get(
      accountId,
      event.conferenceId,
      event.subjectId ?? "",
      p.chat_type,
      String(p.from_user_id),
      p.from_username ?? null,
      p.to_user_id === undefined ? null : String(p.to_user_id),
      p.to_username ?? null,
      p.message,
      Math.round(sentAt),
    ) as { id: number };
    return { id, sentAt };
  }

  /** A signed CSV export of the run's messages, or nothing when it had none. */
  exportLink(run: RunInfo, endedAt: number): { url: string; expiresAt: number } | undefined {
    const { conferenceId, startedAt } = run;
    const { n } = this.#countBetween.get(conferenceId, startedAt, endedAt) as { n: number };
    if (n === 0) {
      return undefined;
    }
    return this.#signer.sign(
      `/exports/chat/${encodeURIComponent(conferenceId)}.csv?since=${startedAt}&until=${endedAt}`,
      LINK_TTL_MS,
    );
  }
}

/** Stores a chat message; states it was posted, in the run it belongs to. */
export function applyChat(
  chat: ChatLog,
  memory: RunMemory,
  event: ChatEvent,
  accountId: string,
  source: NoticeSource & { at: number },
): SideNotice[] {
  const { at, seq, raw } = source;
  const { id, sentAt } = chat.store(event, accountId, at);
  return [
    {
      type: "meeting.chatMessage",
      accountId,
      conferenceId: event.conferenceId,
      at,
      source: { seq, raw },
      id,
      callId: event.subjectId,
      chat: event.payload,
      sentAt,
      run: runNamedBy(memory, event.conferenceId),
    },
  ];
}

/** At a run's end: the link to its chat, if anyone wrote. */
export function chatSynced(chat: ChatLog, run: RunInfo, endedAt: number): SideNotice[] {
  const link = chat.exportLink(run, endedAt);
  return link ? [{ type: "meeting.chatSynced", at: endedAt, run, link }] : [];
}
