/**
 * ConnectyCube's Meetings API (seed 002): the meeting model and its parameters, the recording
 * model, and the inbound recording, chat, livestream and transcript events.
 * @module
 */
import { z } from "zod";
import { lenientBoolean, lenientInt } from "./lenient";

/** `notify_before`: how long before `start_date` the reminder goes out, with the seed's ranges. */
const notifyRanges = { minutes: [0, 55], hours: [1, 24], days: [1, 30], weeks: [1, 4] } as const;

export const notifyBefore = z
  .object({
    metric: z.enum(["minutes", "hours", "days", "weeks"]),
    value: lenientInt,
  })
  .superRefine((value, ctx) => {
    const [min, max] = notifyRanges[value.metric];
    if (value.value < min || value.value > max) {
      ctx.addIssue({
        code: "custom",
        path: ["value"],
        message: `must be between ${min} and ${max} for ${value.metric}`,
        input: value.value,
      });
    }
  });

/** Seconds in one unit of each `notify_before` metric. */
export const metricSeconds = { minutes: 60, hours: 3600, days: 86_400, weeks: 604_800 } as const;

export const timezone = z.object({
  offset: lenientInt.pipe(z.int().min(-720).max(840)),
  name: z.string().min(1).max(64),
});

/** An attendee: a ConnectyCube user id, an email, or both. */
export const attendee = z
  .object({
    id: lenientInt.pipe(z.int().min(0)).optional(),
    email: z.string().min(3).max(254).optional(),
  })
  .refine((a) => a.id !== undefined || a.email !== undefined, {
    message: "needs an id or an email",
  });

const timestamp = lenientInt.pipe(z.int().min(0).max(253_402_300_799));

/** Every field a meeting body may carry. */
const fields = {
  name: z.string().min(1).max(200),
  start_date: timestamp,
  end_date: timestamp,
  attendees: z.array(attendee).max(1000),
  chat: lenientBoolean,
  record: lenientBoolean,
  public: lenientBoolean,
  scheduled: lenientBoolean,
  notify: lenientBoolean,
  notify_before: notifyBefore.nullable(),
  timezone: timezone.nullable(),
};

/** `POST /meetings`: name, dates and attendees are required. */
export const createMeetingBody = z.object({
  ...fields,
  chat: fields.chat.optional(),
  record: fields.record.optional(),
  public: fields.public.optional(),
  scheduled: fields.scheduled.optional(),
  notify: fields.notify.optional(),
  notify_before: fields.notify_before.optional(),
  timezone: fields.timezone.optional(),
});

/** `PUT /meetings/{id}`: any subset (ConnectyCube's SDK sends partial bodies). */
export const updateMeetingBody = z.object(fields).partial();

export type CreateMeetingBody = z.infer<typeof createMeetingBody>;
export type UpdateMeetingBody = z.infer<typeof updateMeetingBody>;

/**
 * The meeting model parley answers (seed 002's fields, plus `conference_id` and `url`), and the
 * `meeting` of `meeting.notify` / `meeting.reminder` webhooks. Every key is always present.
 */
export const meetingModel = z.object({
  _id: z.string(),
  name: z.string(),
  start_date: z.int(),
  end_date: z.int(),
  attendees: z.array(z.object({ id: z.int().optional(), email: z.string().optional() })),
  record: z.boolean(),
  chat_dialog_id: z.string().nullable(),
  /** ISO 8601 with milliseconds. */
  created_at: z.string(),
  updated_at: z.string(),
  /** A number when the user id is one (as ConnectyCube's are), else the id as given. */
  host_id: z.union([z.int(), z.string()]),
  public: z.boolean(),
  scheduled: z.boolean(),
  notify: z.boolean(),
  notify_before: z.object({ metric: z.string(), value: z.int() }).nullable(),
  timezone: z.object({ offset: z.int(), name: z.string() }).nullable(),
  conference_id: z.string(),
  /** `MEETING_URL_TEMPLATE` with the meeting id, or `null` when it is unset. */
  url: z.string().nullable(),
});

export type MeetingModel = z.infer<typeof meetingModel>;

/** Recording states, as seed 001's `recording.statusUpdate` names them. */
export const recordingStatuses = [
  "INVOKED",
  "RECORDING",
  "UPLOADING",
  "UPLOADED",
  "ERRORED",
] as const;

/** BigBlueButton record-and-playback steps (seed 000), each a `rap-*` webhook event. */
export const rapSteps = [
  "archive_started",
  "archive_ended",
  "sanity_started",
  "sanity_ended",
  "post_archive_started",
  "post_archive_ended",
  "process_started",
  "process_ended",
  "post_process_started",
  "post_process_ended",
  "publish_started",
  "publish_ended",
  "post_publish_started",
  "post_publish_ended",
] as const;

/** Inbound `recording.event.{conference_id}.{recording_id}` (keys normalised). */
export const recordingEvent = z.looseObject({
  status: z.enum(recordingStatuses),
  participants_ids: z
    .array(z.union([z.int(), z.string().min(1).max(128)]))
    .max(10_000)
    .optional(),
  duration: z.number().min(0).optional(),
  /** File size in bytes. */
  size: z.number().min(0).optional(),
  /** A path relative to `RECORDINGS_DIR`. */
  file_path: z.string().min(1).max(1024).optional(),
  /** Where the file lives when it is not under `RECORDINGS_DIR`. */
  url: z.url().max(2048).optional(),
  step: z.enum(rapSteps).optional(),
  output_file_name: z.string().max(512).optional(),
});

/** Inbound `chat.event.{conference_id}.{call_id}` (seed 000's internal chat message). */
export const chatEvent = z.looseObject({
  message: z.string().min(1).max(10_000),
  chat_type: z.enum(["PUBLIC_CHAT", "PRIVATE_CHAT"]).default("PUBLIC_CHAT"),
  from_user_id: z.union([z.string().min(1).max(256), z.int()]),
  from_username: z.string().max(256).optional(),
  to_user_id: z.union([z.string().min(1).max(256), z.int()]).optional(),
  to_username: z.string().max(256).optional(),
  from_timezone_offset: z.union([z.string().max(16), z.int()]).optional(),
  /** When the message was sent (Unix ms). */
  from_time: z.union([z.number(), z.string().max(32)]).optional(),
});

/** Inbound `livestream.event.{conference_id}.{stream_id}`. */
export const livestreamEvent = z.looseObject({ status: z.enum(["LIVE", "OFFLINE"]) });

/** Inbound `transcript.event.{conference_id}`. */
export const transcriptEvent = z.looseObject({
  url: z.url().max(2048),
  expires_at: z.string().max(64).optional(),
});

/** A recording of a meeting (`GET /meetings/recordings/{id}`), as seed 002 shows it. */
export const recordingView = z
  .strictObject({
    _id: z.string(),
    room_id: z.string(),
    participants_ids: z.array(z.union([z.string(), z.int()])),
    participants_count: z.int().min(0),
    /** Seconds. */
    duration: z.number().min(0),
    /** Megabytes, two decimals. */
    size: z.number().min(0),
    /** A signed, expiring link, or `null` while there is no file. */
    download_url: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "Recording" });

const filterText = z.string().optional();

/**
 * `GET /meetings` filters (also accepted as a form body, as seed 002's curl sends them). Every
 * range field takes `[gt]`, `[gte]`, `[lt]`, `[lte]` or none (equality): dates as Unix seconds,
 * `created_at` / `updated_at` also as ISO 8601.
 */
export const meetingListQuery = z.object({
  _id: filterText.meta({ description: "one meeting by id" }),
  limit: filterText.meta({ description: "0 to 1000, default 100" }),
  offset: filterText.meta({ description: "how many to skip" }),
  scheduled: filterText.meta({ description: "true or false" }),
  ...Object.fromEntries(
    ["start_date", "end_date", "created_at", "updated_at"].flatMap((field) =>
      ["", "[gt]", "[gte]", "[lt]", "[lte]"].map((op) => [`${field}${op}`, filterText]),
    ),
  ),
});
