/**
 * Reads conference history: sessions newest first with keyset paging (stable while new sessions
 * start), one session with its participants, and a session's events from the log. Live sessions
 * answer with figures to `now` (intervals still open are counted to now).
 * @module
 */
import type { SessionEvent, SessionParticipantView, SessionView } from "../../protocol/sessions";
import { badIdentifier, validationFailed } from "./errors";
import { prunedThroughReader } from "./event-log";
import type { SqlStatement, SqlStore } from "./store";

/** What a sessions page is asked for. */
export interface SessionQuery {
  accountId: string;
  conferenceId?: string;
  pageSize: number;
  /** `${started_at}-${id}` of the last session of the previous page. */
  startKey?: string;
  startedAfter?: number;
  startedBefore?: number;
}

/** A page of events and where to go next. */
export interface EventPage {
  events: SessionEvent[];
  nextAfterSeq?: number;
  resumeFrom?: number;
  oldestSeq?: number;
}

export interface SessionHistory {
  list(query: SessionQuery, now: number): { sessions: SessionView[]; nextStartKey?: string };
  /** One session of the account (of `conferenceId` when given), with its participants. */
  get(accountId: string, sessionId: string, now: number, conferenceId?: string): SessionDetailRow;
  events(
    accountId: string,
    sessionId: string,
    afterSeq: number | undefined,
    limit: number,
    conferenceId?: string,
  ): EventPage;
}

export type SessionDetailRow = SessionView & { participants: SessionParticipantView[] };

type Row = Record<string, unknown>;

const sessionColumns = `s.id, s.conference_id, s.instance_id, s.started_at, s.ended_at, s.end_cause,
  s.participants_now, s.peak_participants, s.total_participants, s.first_seq, s.end_seq,
  coalesce(json_extract(c.doc, '$.name'), s.conference_name) AS name`;
const fromSessions = `FROM conference_sessions s
  LEFT JOIN conferences c ON c.id = s.conference_id AND c.deleted_at IS NULL`;

export function createSessionHistory(sqlite: SqlStore): SessionHistory {
  const pages = new Map<string, SqlStatement>();
  const pageStatement = (query: SessionQuery): SqlStatement => {
    const where = ["s.account_id = @accountId", "s.id IS NOT NULL"];
    if (query.conferenceId !== undefined) {
      where.push("s.conference_id = @conferenceId");
    }
    if (query.startedAfter !== undefined) {
      where.push("s.started_at >= @startedAfter");
    }
    if (query.startedBefore !== undefined) {
      where.push("s.started_at < @startedBefore");
    }
    if (query.startKey !== undefined) {
      // Ties in the start (runs begun in one millisecond) go in the order they were recorded.
      where.push(
        `(s.started_at < @keyAt OR (s.started_at = @keyAt
          AND s.rowid < (SELECT rowid FROM conference_sessions WHERE id = @keyId)))`,
      );
    }
    const sql = `SELECT ${sessionColumns} ${fromSessions} WHERE ${where.join(" AND ")}
      ORDER BY s.started_at DESC, s.rowid DESC LIMIT @limit`;
    let statement = pages.get(sql);
    if (!statement) {
      statement = sqlite.prepare(sql);
      pages.set(sql, statement);
    }
    return statement;
  };
  const one = sqlite.prepare(
    `SELECT ${sessionColumns}, s.account_id ${fromSessions} WHERE s.id = ?`,
  );
  const stays = sqlite.prepare(
    "SELECT * FROM session_participants WHERE session_id = ? ORDER BY joined_at, call_id",
  );
  const eventRows = sqlite.prepare(
    `SELECT seq, call_id, name, routing_key, body, received_at FROM events
     WHERE conference_id = @conferenceId AND seq > @after AND seq <= @until
       AND account_id = @accountId AND routing_key LIKE 'conference.event.%'
       AND received_at BETWEEN @from AND @to
     ORDER BY seq LIMIT @limit`,
  );
  const prunedThrough = prunedThroughReader(sqlite);

  const find = (accountId: string, sessionId: string, conferenceId?: string): Row => {
    const row = one.get(sessionId) as Row | undefined;
    if (
      !row ||
      row.account_id !== accountId ||
      (conferenceId !== undefined && row.conference_id !== conferenceId)
    ) {
      throw badIdentifier(sessionId);
    }
    return row;
  };

  return {
    list(query, now) {
      const [keyAt, keyId] = query.startKey ? splitKey(query.startKey) : [0, ""];
      const rows = pageStatement(query).all({
        accountId: query.accountId,
        conferenceId: query.conferenceId,
        startedAfter: query.startedAfter,
        startedBefore: query.startedBefore,
        keyAt,
        keyId,
        limit: query.pageSize + 1,
      }) as Row[];
      const more = rows.length > query.pageSize;
      const page = more ? rows.slice(0, query.pageSize) : rows;
      const last = page[page.length - 1];
      return {
        sessions: page.map((row) => sessionOf(row, now)),
        ...(more && last ? { nextStartKey: `${last.started_at}-${last.id}` } : {}),
      };
    },
    get(accountId, sessionId, now, conferenceId) {
      const row = find(accountId, sessionId, conferenceId);
      return {
        ...sessionOf(row, now),
        participants: participantsOf(stays.all(sessionId) as Row[], now),
      };
    },
    events(accountId, sessionId, afterSeq, limit, conferenceId) {
      const row = find(accountId, sessionId, conferenceId);
      const pruned = prunedThrough();
      const firstSeq = (row.first_seq as number | null) ?? 1;
      const after = afterSeq ?? firstSeq - 1;
      if (after < pruned && firstSeq <= pruned) {
        throw validationFailed({
          after_seq: {
            minimum: {
              message: `after_seq ${after} is older than the event log keeps; the oldest available seq is ${pruned + 1}`,
              target: pruned,
            },
          },
        });
      }
      const rows = eventRows.all({
        conferenceId: row.conference_id,
        accountId,
        after: Math.max(after, firstSeq - 1),
        until: (row.end_seq as number | null) ?? Number.MAX_SAFE_INTEGER,
        // A run recorded before its bounds in the log were: its time bounds it instead.
        from: row.first_seq === null ? (row.started_at as number) : 0,
        to:
          row.first_seq === null
            ? ((row.ended_at as number | null) ?? Number.MAX_SAFE_INTEGER)
            : Number.MAX_SAFE_INTEGER,
        limit: limit + 1,
      }) as Row[];
      const more = rows.length > limit;
      const page = (more ? rows.slice(0, limit) : rows).map(eventOf);
      const lastSeq = page[page.length - 1]?.seq ?? after;
      return {
        events: page,
        ...(more ? { nextAfterSeq: lastSeq } : { resumeFrom: lastSeq }),
        ...(pruned > 0 ? { oldestSeq: pruned + 1 } : {}),
      };
    },
  };
}

function splitKey(key: string): [number, string] {
  const dash = key.indexOf("-");
  return [Number(key.slice(0, dash)), key.slice(dash + 1)];
}

const iso = (ms: number): string => new Date(ms).toISOString();
const secondsOf = (ms: number): number => Math.max(0, Math.round(ms)) / 1000;

function sessionOf(row: Row, now: number): SessionView {
  const startedAt = row.started_at as number;
  const endedAt = row.ended_at as number | null;
  return {
    id: row.id as string,
    conference_id: row.conference_id as string,
    conference_name: (row.name as string | null) ?? null,
    instance_id: (row.instance_id as string | null) ?? null,
    started_at: iso(startedAt),
    ended_at: endedAt === null ? null : iso(endedAt),
    end_reason:
      (row.end_cause as SessionView["end_reason"]) ??
      (endedAt === null ? null : "last_member_left"),
    live: endedAt === null,
    duration: Math.max(0, Math.floor(((endedAt ?? now) - startedAt) / 1000)),
    participants_now: endedAt === null ? (row.participants_now as number) : 0,
    peak_participants: row.peak_participants as number,
    total_participants: row.total_participants as number,
    first_seq: (row.first_seq as number | null) ?? null,
    end_seq: (row.end_seq as number | null) ?? null,
  };
}

/** Stays grouped by call, in order of first join; open intervals counted to `now`. */
function participantsOf(rows: Row[], now: number): SessionParticipantView[] {
  const byCall = new Map<string, SessionParticipantView>();
  for (const row of rows) {
    const leftAt = row.left_at as number | null;
    const end = leftAt ?? now;
    const open = (since: unknown) => (typeof since === "number" ? Math.max(0, end - since) : 0);
    const joinedAt = row.joined_at as number;
    const stay = {
      joined_at: iso(joinedAt),
      left_at: leftAt === null ? null : iso(leftAt),
      left_reason: (row.left_reason as SessionParticipantView["left_reason"]) ?? null,
      duration: secondsOf(end - joinedAt),
    };
    const talkMs = (row.talk_ms as number) + open(row.talking_since);
    const mutedMs = (row.muted_ms as number) + open(row.muted_since);
    const deafMs = (row.deaf_ms as number) + open(row.deaf_since);
    const callId = row.call_id as string;
    const known = byCall.get(callId);
    if (!known) {
      byCall.set(callId, {
        call_id: callId,
        participant_id: row.participant_id as number,
        caller_id_name: (row.caller_id_name as string | null) ?? null,
        caller_id_number: (row.caller_id_number as string | null) ?? null,
        is_moderator: Boolean(row.is_moderator),
        present: leftAt === null,
        joins: [stay],
        first_joined_at: stay.joined_at,
        last_left_at: stay.left_at,
        left_reason: stay.left_reason,
        time_in_conference: stay.duration,
        time_muted: secondsOf(mutedMs),
        time_deaf: secondsOf(deafMs),
        talk_time: secondsOf(talkMs),
        talk_count: row.talk_count as number,
      });
      continue;
    }
    known.joins.push(stay);
    known.participant_id = row.participant_id as number;
    known.is_moderator ||= Boolean(row.is_moderator);
    known.caller_id_name ??= (row.caller_id_name as string | null) ?? null;
    known.caller_id_number ??= (row.caller_id_number as string | null) ?? null;
    known.present = leftAt === null;
    known.last_left_at = stay.left_at;
    known.left_reason = stay.left_reason;
    known.time_in_conference = secondsOf(known.time_in_conference * 1000 + (end - joinedAt));
    known.time_muted = secondsOf(known.time_muted * 1000 + mutedMs);
    known.time_deaf = secondsOf(known.time_deaf * 1000 + deafMs);
    known.talk_time = secondsOf(known.talk_time * 1000 + talkMs);
    known.talk_count += row.talk_count as number;
  }
  return [...byCall.values()];
}

function eventOf(row: Row): SessionEvent {
  const data = JSON.parse(row.body as string) as Record<string, unknown>;
  return {
    seq: row.seq as number,
    name: typeof data.event_name === "string" ? data.event_name : "event",
    event: row.name as string,
    routing_key: row.routing_key as string,
    call_id: (row.call_id as string | null) ?? null,
    received_at: iso(row.received_at as number),
    data,
  };
}
