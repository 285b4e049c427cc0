/**
 * Recordings, chat, livestream and transcript events: applied inside the ingest transaction,
 * each producing its webhook events (seed 001's `recording.statusUpdate`,
 * `livestreaming.statusUpdate`, `meeting.transcript`, `meeting.chatSynced`; seed 002's
 * `recording.done` once a meeting has ended and all its recordings are uploaded).
 * @module
 */

import type { Fact } from "./facts";
import type { DecodedSideEvent } from "./inbound-event";
import type { MeetingRow } from "./meetings";
import type { EndedRun } from "./session-log";
import type { UrlSigner } from "./signed-urls";
import type { SqlStore } from "./store";
import type { RunInfo, Transition } from "./transitions";

/** How long download links stay valid (seed 002: one hour). */
export const LINK_TTL_MS = 60 * 60 * 1000;

export interface RecordingRow {
  id: string;
  account_id: string;
  conference_id: string;
  status: string;
  participants_ids: string;
  duration: number | null;
  size_bytes: number | null;
  file_path: string | null;
  url: string | null;
  output_file_name: string | null;
  reported_at: number | null;
  started_at: number;
  created_at: number;
  updated_at: number;
}

export interface SideEventDeps {
  sqlite: SqlStore;
  now: () => number;
  signer: UrlSigner;
  meetingByConference(conferenceId: string): MeetingRow | undefined;
  meetingView(row: MeetingRow): Record<string, unknown>;
  /**
   * Seed 001's `meeting` object for a conference: its live run, else `run` (the run that just
   * ended), with `endedAt` when asked (`null` while it runs).
   */
  meetingObject(
    conferenceId: string,
    accountId: string,
    options?: { endedAt?: number | null; run?: RunInfo },
  ): Record<string, unknown>;
  isRunning(conferenceId: string): boolean;
  /** The conference's most recent ended run (from the store: it survives restarts). */
  lastEndedRun(conferenceId: string): EndedRun | undefined;
  publish(facts: Fact[]): void;
}

export interface SideEvents {
  apply(
    event: DecodedSideEvent,
    accountId: string,
    source: { seq: number; at: number; raw: Record<string, unknown> },
  ): void;
  /** Meeting ended: chat export link, and `recording.done` if every recording is uploaded. */
  onTransitions(transitions: Transition[]): void;
  /** Seed 002's recording model for every recording of a conference, with fresh links. */
  recordingViews(conferenceId: string, roomId: string): Record<string, unknown>[];
  recording(id: string): RecordingRow | undefined;
}

const terminal = new Set(["UPLOADED", "ERRORED"]);
const seconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
/** Seed 001's expiry format: `2022-12-13 07:08:39.051621Z`. */
const expiryText = (ms: number) =>
  `${new Date(ms).toISOString().replace("T", " ").replace(/Z$/, "")}000Z`;

export function createSideEvents(deps: SideEventDeps): SideEvents {
  const { sqlite, signer } = deps;
  const recordingById = sqlite.prepare("SELECT * FROM recordings WHERE id = ?");
  const upsertRecording = sqlite.prepare(
    `INSERT INTO recordings (id, account_id, conference_id, status, participants_ids, duration, size_bytes, file_path, url, output_file_name, reported_at, started_at, created_at, updated_at)
     VALUES (@id, @account_id, @conference_id, @status, @participants_ids, @duration, @size_bytes, @file_path, @url, @output_file_name, NULL, @at, @at, @at)
     ON CONFLICT (id) DO UPDATE SET status = excluded.status, participants_ids = excluded.participants_ids,
       duration = excluded.duration, size_bytes = excluded.size_bytes, file_path = excluded.file_path,
       url = excluded.url, output_file_name = excluded.output_file_name, updated_at = excluded.updated_at`,
  );
  const recordingsOf = sqlite.prepare(
    "SELECT * FROM recordings WHERE conference_id = ? ORDER BY created_at, id",
  );
  const markReported = sqlite.prepare("UPDATE recordings SET reported_at = ? WHERE id = ?");
  const insertChat = sqlite.prepare(
    `INSERT INTO chat_messages (account_id, conference_id, call_id, chat_type, from_user_id, from_username, to_user_id, to_username, message, sent_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  );
  const chatSince = sqlite.prepare(
    "SELECT count(*) AS n FROM chat_messages WHERE conference_id = ? AND sent_at >= ? AND sent_at <= ?",
  );
  const meetingNow = (conferenceId: string, accountId: string) => {
    if (deps.isRunning(conferenceId)) {
      return deps.meetingObject(conferenceId, accountId, { endedAt: null });
    }
    // Events after the end (an upload, a transcript) name the run that ended.
    const last = deps.lastEndedRun(conferenceId);
    return deps.meetingObject(
      conferenceId,
      accountId,
      last ? { endedAt: last.endedAt, run: last.run } : { endedAt: null },
    );
  };

  const fact = (
    accountId: string,
    conferenceId: string,
    type: Fact["type"],
    at: number,
    data: Record<string, unknown>,
    extra: Record<string, unknown> = {},
    seq: number | null = null,
    raw: Record<string, unknown> | null = null,
  ): Fact => ({
    accountId,
    conferenceId,
    type,
    seq,
    occurredAt: at,
    data: { event: type, ...data },
    raw,
    extra,
  });

  const link = (row: RecordingRow) =>
    signer.sign(`/recordings/${encodeURIComponent(row.id)}/file`, LINK_TTL_MS).url;

  /** Seed 002's recording model. */
  const recordingView = (row: RecordingRow, roomId: string) => {
    const ids = JSON.parse(row.participants_ids) as Array<string | number>;
    return {
      _id: row.id,
      room_id: roomId,
      participants_ids: ids,
      participants_count: ids.length,
      duration: row.duration ?? 0,
      size: Math.round(((row.size_bytes ?? 0) / (1024 * 1024)) * 100) / 100,
      download_url: row.file_path || row.url ? link(row) : null,
      created_at: seconds(row.created_at),
      updated_at: seconds(row.updated_at),
    };
  };

  /** Sends `recording.done` when the meeting is over and every recording is in. */
  const checkDone = (conferenceId: string, at: number) => {
    const meeting = deps.meetingByConference(conferenceId);
    if (!meeting || deps.isRunning(conferenceId)) {
      return;
    }
    const rows = recordingsOf.all(conferenceId) as RecordingRow[];
    const fresh = rows.filter((r) => r.reported_at === null && r.status === "UPLOADED");
    if (fresh.length === 0 || rows.some((r) => !terminal.has(r.status))) {
      return;
    }
    for (const row of fresh) {
      markReported.run(at, row.id);
    }
    const view = deps.meetingView(meeting);
    const hostId = view.host_id;
    const stamp = seconds(meeting.createdAt);
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
      callRecords: fresh.map((row) => ({
        ...recordingView(row, meeting.id),
        file_uid: row.output_file_name ?? row.id,
      })),
    };
    deps.publish([fact(meeting.accountId, conferenceId, "recording.done", at, body)]);
  };

  return {
    apply(event, accountId, source) {
      const { at } = source;
      const conferenceId = event.conferenceId;
      switch (event.category) {
        case "recording": {
          const id = event.subjectId ?? conferenceId;
          const before = recordingById.get(id) as RecordingRow | undefined;
          const p = event.payload;
          upsertRecording.run({
            id,
            account_id: accountId,
            conference_id: conferenceId,
            status: p.status,
            participants_ids: JSON.stringify(
              p.participants_ids ?? (before ? JSON.parse(before.participants_ids) : []),
            ),
            duration: p.duration ?? before?.duration ?? null,
            size_bytes: p.size ?? before?.size_bytes ?? null,
            file_path: p.file_path ?? before?.file_path ?? null,
            url: p.url ?? before?.url ?? null,
            output_file_name: p.output_file_name ?? before?.output_file_name ?? null,
            at,
          });
          const row = recordingById.get(id) as RecordingRow;
          if (before?.status !== p.status || p.step) {
            const meeting = deps.meetingByConference(conferenceId);
            deps.publish([
              fact(
                accountId,
                conferenceId,
                "recording.statusUpdate",
                at,
                {
                  recording: {
                    id,
                    recordingId: id,
                    meetingId: conferenceId,
                    organizationId: accountId,
                    status: p.status,
                    startedTime: expiryText(row.started_at),
                    roomUUID: meeting?.id ?? conferenceId,
                    outputFileName: row.output_file_name ?? null,
                  },
                  meeting: meetingNow(conferenceId, accountId),
                },
                { rapStep: p.step ?? null, recordId: id },
                source.seq,
                source.raw,
              ),
            ]);
          }
          checkDone(conferenceId, at);
          return;
        }
        case "chat": {
          const p = event.payload;
          const sentAt =
            typeof p.from_time === "number"
              ? p.from_time
              : Number.parseFloat(String(p.from_time ?? at)) || at;
          const { id } = insertChat.get(
            accountId,
            conferenceId,
            event.subjectId ?? "",
            p.chat_type,
            String(p.from_user_id),
            p.from_username ?? null,
            p.to_user_id === undefined ? null : String(p.to_user_id),
            p.to_username ?? null,
            p.message,
            Math.round(sentAt),
          ) as { id: number };
          deps.publish([
            fact(
              accountId,
              conferenceId,
              "meeting.chatMessage",
              at,
              {
                meeting: meetingNow(conferenceId, accountId),
                chatMessage: {
                  id,
                  message: p.message,
                  chatType: p.chat_type,
                  sender: {
                    id: p.from_user_id,
                    name: p.from_username ?? null,
                    callId: event.subjectId,
                  },
                  ...(p.to_user_id === undefined
                    ? {}
                    : { receiver: { id: p.to_user_id, name: p.to_username ?? null } }),
                  sentAt: new Date(Math.round(sentAt)).toISOString(),
                },
              },
              {
                chatType: p.chat_type,
                fromUserId: String(p.from_user_id),
                toUserId: p.to_user_id === undefined ? null : String(p.to_user_id),
                timezoneOffset:
                  p.from_timezone_offset === undefined ? null : String(p.from_timezone_offset),
                time: p.from_time === undefined ? null : String(p.from_time),
              },
              source.seq,
              source.raw,
            ),
          ]);
          return;
        }
        case "livestream":
          deps.publish([
            fact(
              accountId,
              conferenceId,
              "livestreaming.statusUpdate",
              at,
              {
                streamId: event.subjectId,
                status: event.payload.status,
              },
              {},
              source.seq,
              source.raw,
            ),
          ]);
          return;
        case "transcript":
          deps.publish([
            fact(
              accountId,
              conferenceId,
              "meeting.transcript",
              at,
              {
                meeting: meetingNow(conferenceId, accountId),
                transcriptDownloadUrl: event.payload.url,
                transcriptDownloadUrlExpiry:
                  event.payload.expires_at ?? expiryText(at + LINK_TTL_MS),
              },
              {},
              source.seq,
              source.raw,
            ),
          ]);
          return;
      }
    },
    onTransitions(transitions) {
      for (const t of transitions) {
        if (t.kind !== "ended") {
          continue;
        }
        const { conferenceId, accountId, startedAt } = t.run;
        const { n } = chatSince.get(conferenceId, startedAt, t.at) as { n: number };
        if (n > 0) {
          const signed = signer.sign(
            `/exports/chat/${encodeURIComponent(conferenceId)}.csv?since=${startedAt}&until=${t.at}`,
            LINK_TTL_MS,
          );
          const meeting = deps.meetingObject(conferenceId, accountId, {
            endedAt: t.at,
            run: t.run,
          });
          deps.publish([
            fact(accountId, conferenceId, "meeting.chatSynced", t.at, {
              sessionId: meeting.sessionId,
              meetingId: conferenceId,
              chatDownloadUrl: signed.url,
              chatDownloadUrlExpiry: expiryText(signed.expiresAt),
              organizedBy: meeting.organizedBy,
            }),
          ]);
        }
        checkDone(conferenceId, t.at);
      }
    },
    recordingViews(conferenceId, roomId) {
      return (recordingsOf.all(conferenceId) as RecordingRow[]).map((row) =>
        recordingView(row, roomId),
      );
    },
    recording(id) {
      return recordingById.get(id) as RecordingRow | undefined;
    },
  };
}
