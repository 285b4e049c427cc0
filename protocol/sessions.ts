/**
 * Conference history as the API shows it: sessions (one run of a conference each), their
 * participants with each stay and the time spent muted, deaf and talking, and a session's events
 * in the WebSocket's `data` shape with their `seq`, so a client reads the past over HTTP and
 * continues live on `/ws` with `resume_from`. Times are ISO 8601; durations are seconds.
 * @module
 */
import { z } from "zod";

/** Why a session ended. */
export const sessionEndReasons = ["last_member_left", "host_ended", "destroyed"] as const;

/** How a participant's stay ended. */
export const leaveReasons = [
  "hung_up",
  "kicked",
  "kicked_on_media_server",
  "conference_destroyed",
] as const;

/** Largest page of sessions or events. */
export const MAX_HISTORY_PAGE = 1000;

const time = z.string().meta({ description: "ISO 8601, milliseconds" });
const seconds = z.number().min(0).meta({ description: "Seconds, to the millisecond" });

/** A session in a list. */
export const sessionView = z
  .strictObject({
    id: z.string(),
    conference_id: z.string(),
    /** The conference document's name, else the name the media server reported, else null. */
    conference_name: z.string().nullable(),
    /** The media server's `Instance-ID` (`conference_uuid`), when it named one. */
    instance_id: z.string().nullable(),
    started_at: time,
    /** Null while the session is live. */
    ended_at: time.nullable(),
    end_reason: z.enum(sessionEndReasons).nullable(),
    live: z.boolean(),
    /** Whole seconds from start to end (to now while live). */
    duration: z.int().min(0),
    participants_now: z.int().min(0),
    peak_participants: z.int().min(0),
    /** Distinct calls that joined (a rejoin counts once). */
    total_participants: z.int().min(0),
    /** The first event of the session in the log (`after_seq` = this − 1 reads it from the start). */
    first_seq: z.int().nullable(),
    /** The event that ended it; null while live. */
    end_seq: z.int().nullable(),
  })
  .meta({ id: "Session" });

/** One stay of a call in the session. */
export const stayView = z.strictObject({
  joined_at: time,
  left_at: time.nullable(),
  left_reason: z.enum(leaveReasons).nullable(),
  duration: seconds,
});

/** A participant of a session: every stay, and the totals over them. */
export const sessionParticipantView = z
  .strictObject({
    call_id: z.string(),
    participant_id: z.int(),
    caller_id_name: z.string().nullable(),
    caller_id_number: z.string().nullable(),
    is_moderator: z.boolean(),
    /** In the conference now. */
    present: z.boolean(),
    joins: z.array(stayView),
    first_joined_at: time,
    last_left_at: time.nullable(),
    /** How the last stay ended; null while present. */
    left_reason: z.enum(leaveReasons).nullable(),
    time_in_conference: seconds,
    time_muted: seconds,
    time_deaf: seconds,
    talk_time: seconds,
    /** How many times they started talking. */
    talk_count: z.int().min(0),
  })
  .meta({ id: "SessionParticipant" });

/** One session with its participants (in order of first join). */
export const sessionDetail = sessionView
  .extend({ participants: z.array(sessionParticipantView) })
  .meta({ id: "SessionDetail" });

/** An event of a session's timeline: the WebSocket frame's `name`, `routing_key`, `data`, `seq`. */
export const sessionEvent = z
  .strictObject({
    seq: z.int(),
    name: z.string(),
    /** The conference event (`add-member`, `start-talking`, …). */
    event: z.string(),
    routing_key: z.string(),
    call_id: z.string().nullable(),
    received_at: time,
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "SessionEvent" });

const isoOrUnix = z
  .string()
  .refine((v) => /^\d+$/.test(v) || !Number.isNaN(Date.parse(v)), {
    message: "must be ISO 8601 or Unix seconds",
  })
  .transform((v) => (/^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v)));

/** `GET …/sessions` query: Kazoo's crossbar paging, and a window on the start time. */
export const sessionListQuery = z.object({
  page_size: z.coerce.number().int().min(1).max(MAX_HISTORY_PAGE).default(50),
  /** The `next_start_key` of the previous page. */
  start_key: z
    .string()
    .regex(/^\d{1,16}-[0-9a-f]{32}$/, "must be a next_start_key parley gave")
    .optional(),
  started_after: isoOrUnix.optional().meta({ description: "ISO 8601 or Unix seconds" }),
  started_before: isoOrUnix.optional().meta({ description: "ISO 8601 or Unix seconds" }),
});

/** `GET …/sessions/{S}/events` query. */
export const sessionEventsQuery = z.object({
  /** Events with a greater `seq`; omitted: from the session's first. */
  after_seq: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_HISTORY_PAGE).default(100),
});

/** Beside a sessions page's `data`: Kazoo's paging keys. */
export const sessionPageKeys = {
  page_size: z.int().min(0),
  start_key: z.string().optional(),
  /** Pass as `start_key` for the next page; absent on the last. */
  next_start_key: z.string().optional(),
};

/** Beside an events page's `data`. */
export const eventPageKeys = {
  page_size: z.int().min(0),
  /** Pass as `after_seq` for the next page; absent on the last. */
  next_after_seq: z.int().optional(),
  /**
   * On the last page: pass as `resume_from` when subscribing on `/ws` to continue live with
   * no gap and no duplicate.
   */
  resume_from: z.int().optional(),
  /** The oldest `seq` the event log still keeps (older ones were pruned). */
  oldest_seq: z.int().optional(),
};

export type SessionView = z.infer<typeof sessionView>;
export type SessionParticipantView = z.infer<typeof sessionParticipantView>;
export type SessionEvent = z.infer<typeof sessionEvent>;
