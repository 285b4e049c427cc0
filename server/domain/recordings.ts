/**
 * Recordings: each `recording.event` updates its row (a later event keeps what an earlier one
 * said unless it says otherwise), and seed 002's recording model is read from the rows with
 * fresh download links. A meeting's recordings are "done" once the meeting is over, every one of
 * them is terminal and some were uploaded and not reported yet: each is reported once.
 * @module
 */
import type { DecodedSideEvent, SidePayloads } from "./inbound-event";
import type { MeetingRow } from "./meeting-rows";
import { type RunMemory, runNamedBy } from "./run-memory";
import type { NoticeSource, SideNotice } from "./side-notices";
import type { UrlSigner } from "./signed-urls";
import type { SqlStatement, SqlStore } from "./store";

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

/** A recording event as applied: the recording and the conference it belongs to. */
export interface RecordingUpdate {
  id: string;
  accountId: string;
  conferenceId: string;
  payload: SidePayloads["recording"];
  at: number;
}

/** Statuses after which a recording changes no more. */
const terminal = new Set(["UPLOADED", "ERRORED"]);

/** ISO 8601 to the second, as seed 002's models write times. */
export const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export class Recordings {
  readonly #signer: UrlSigner;
  readonly #byId: SqlStatement;
  readonly #upsert: SqlStatement;
  readonly #ofConference: SqlStatement;
  readonly #markReported: SqlStatement;

  constructor(sqlite: SqlStore, signer: UrlSigner) {
    this.#signer = signer;
    this.#byId = sqlite.prepare("SELECT * FROM recordings WHERE id = ?");
    this.#upsert = sqlite.prepare(
      `INSERT INTO recordings (id, account_id, conference_id, status, participants_ids, duration, size_bytes, file_path, url, output_file_name, reported_at, started_at, created_at, updated_at)
       VALUES (@id, @account_id, @conference_id, @status, @participants_ids, @duration, @size_bytes, @file_path, @url, @output_file_name, NULL, @at, @at, @at)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, participants_ids = excluded.participants_ids,
         duration = excluded.duration, size_bytes = excluded.size_bytes, file_path = excluded.file_path,
         url = excluded.url, output_file_name = excluded.output_file_name, updated_at = excluded.updated_at`,
    );
    this.#ofConference = sqlite.prepare(
      "SELECT * FROM recordings WHERE conference_id = ? ORDER BY created_at, id",
    );
    this.#markReported = sqlite.prepare("UPDATE recordings SET reported_at = ? WHERE id = ?");
  }

  byId(id: string): RecordingRow | undefined {
    return this.#byId.get(id) as RecordingRow | undefined;
  }

  /** Writes the event over the stored row; returns the row before (if any) and after. */
  apply(update: RecordingUpdate): { before: RecordingRow | undefined; row: RecordingRow } {
    const { id, payload: p } = update;
    const before = this.byId(id);
    this.#upsert.run({
      id,
      account_id: update.accountId,
      conference_id: update.conferenceId,
      status: p.status,
      participants_ids: JSON.stringify(
        p.participants_ids ?? (before ? JSON.parse(before.participants_ids) : []),
      ),
      duration: p.duration ?? before?.duration ?? null,
      size_bytes: p.size ?? before?.size_bytes ?? null,
      file_path: p.file_path ?? before?.file_path ?? null,
      url: p.url ?? before?.url ?? null,
      output_file_name: p.output_file_name ?? before?.output_file_name ?? null,
      at: update.at,
    });
    return { before, row: this.byId(id) as RecordingRow };
  }

  /**
   * The uploads to report for a conference whose meeting is over, marked reported: none until
   * every recording is terminal, and never one already reported.
   */
  takeDone(conferenceId: string, at: number): RecordingRow[] {
    const rows = this.#ofConference.all(conferenceId) as RecordingRow[];
    const fresh = rows.filter((r) => r.reported_at === null && r.status === "UPLOADED");
    if (fresh.length === 0 || rows.some((r) => !terminal.has(r.status))) {
      return [];
    }
    for (const row of fresh) {
      this.#markReported.run(at, row.id);
    }
    return fresh;
  }

  /** Seed 002's recording model for every recording of a conference. */
  models(conferenceId: string, roomId: string): Record<string, unknown>[] {
    return (this.#ofConference.all(conferenceId) as RecordingRow[]).map((row) =>
      this.model(row, roomId),
    );
  }

  /** Seed 002's recording model, with a download link valid for `LINK_TTL_MS`. */
  model(row: RecordingRow, roomId: string): Record<string, unknown> {
    const ids = JSON.parse(row.participants_ids) as Array<string | number>;
    return {
      _id: row.id,
      room_id: roomId,
      participants_ids: ids,
      participants_count: ids.length,
      duration: row.duration ?? 0,
      size: Math.round(((row.size_bytes ?? 0) / (1024 * 1024)) * 100) / 100,
      download_url: row.file_path || row.url ? this.#link(row) : null,
      created_at: isoSeconds(row.created_at),
      updated_at: isoSeconds(row.updated_at),
    };
  }

  #link(row: RecordingRow): string {
    return this.#signer.sign(`/recordings/${encodeURIComponent(row.id)}/file`, LINK_TTL_MS).url;
  }
}

/** What the recording notices need to know about the conference's meeting and runs. */
export interface MeetingOfConference extends RunMemory {
  meetingByConference(conferenceId: string): MeetingRow | undefined;
}

type RecordingEvent = Extract<DecodedSideEvent, { category: "recording" }>;

/**
 * Applies a recording event: a status update when the status changed or a step is reported,
 * then `recording.done` if this upload completed an ended meeting's recordings.
 */
export function applyRecording(
  recordings: Recordings,
  meetings: MeetingOfConference,
  event: RecordingEvent,
  accountId: string,
  source: NoticeSource & { at: number },
): SideNotice[] {
  const { conferenceId, payload } = event;
  const { at, seq, raw } = source;
  const id = event.subjectId ?? conferenceId;
  const { before, row } = recordings.apply({ id, accountId, conferenceId, payload, at });
  const notices: SideNotice[] = [];
  if (before?.status !== payload.status || payload.step) {
    notices.push({
      type: "recording.statusUpdate",
      accountId,
      conferenceId,
      at,
      source: { seq, raw },
      recording: row,
      roomId: meetings.meetingByConference(conferenceId)?.id ?? conferenceId,
      step: payload.step ?? null,
      run: runNamedBy(meetings, conferenceId),
    });
  }
  notices.push(...recordingsDone(recordings, meetings, conferenceId, at));
  return notices;
}

/** `recording.done` when the meeting is over and every recording is in (each reported once). */
export function recordingsDone(
  recordings: Recordings,
  meetings: MeetingOfConference,
  conferenceId: string,
  at: number,
): SideNotice[] {
  const meeting = meetings.meetingByConference(conferenceId);
  if (!meeting || meetings.isRunning(conferenceId)) {
    return [];
  }
  const done = recordings.takeDone(conferenceId, at);
  if (done.length === 0) {
    return [];
  }
  const uploads = done.map((row) => ({
    model: recordings.model(row, meeting.id),
    fileUid: row.output_file_name ?? row.id,
  }));
  return [{ type: "recording.done", conferenceId, at, meeting, recordings: uploads }];
}
