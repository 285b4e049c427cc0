/**
 * parley's SQLite schema. drizzle-kit generates `migrations/` from this file; the migrations are
 * committed and applied at start-up, so this file and the database never drift apart.
 * @module
 */
import { sql } from "drizzle-orm";
import {
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";

/** Server-wide secrets and markers (token signing key, admin token hash). */
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/** Tenants. Every conference, participant and event belongs to exactly one account. */
export const accounts = sqliteTable("accounts", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** Shared secret of the account's bbb-webhooks-compatible hooks API (BigBlueButton style). */
  bbbSecret: text("bbb_secret"),
  createdAt: integer("created_at").notNull(),
});

/** API keys, stored only as SHA-256 digests: a leaked database leaks no usable key. */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id),
    keyHash: text("key_hash").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("api_keys_key_hash").on(t.keyHash),
    index("api_keys_account").on(t.accountId),
  ],
);

/** Stored conference documents (seed 003). Deletion is soft, as in Kazoo. */
export const conferences = sqliteTable(
  "conferences",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id),
    doc: text("doc", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
    revision: integer("revision").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    deletedAt: integer("deleted_at"),
  },
  (t) => [index("conferences_account").on(t.accountId, t.deletedAt)],
);

/** The live side of a running conference, fed by the media server's events. */
export const conferenceRuntime = sqliteTable(
  "conference_runtime",
  {
    conferenceId: text("conference_id").primaryKey(),
    accountId: text("account_id").notNull(),
    instanceId: text("instance_id"),
    switchHostname: text("switch_hostname"),
    startedAt: integer("started_at").notNull(),
    locked: integer("locked", { mode: "boolean" }).notNull().default(false),
    /** When a host action (API kick-all, a moderator leaving) last pointed at the meeting ending. */
    hostEndedAt: integer("host_ended_at"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("conference_runtime_account").on(t.accountId)],
);

/**
 * One row per run ("session") of a conference: opened when the run starts, closed with its end
 * and reason. Written with the live state in the ingest transaction, so it survives restarts and
 * is current to the last event. `id` is a digest of the conference, the start and how many runs
 * started in that same millisecond before it (a batch shares one time, so a run can end and the
 * next begin within it), the same on every node; `first_seq`/`end_seq` bound its events in the
 * log (the history timeline).
 */
export const conferenceSessions = sqliteTable(
  "conference_sessions",
  {
    conferenceId: text("conference_id").notNull(),
    startedAt: integer("started_at").notNull(),
    accountId: text("account_id").notNull(),
    instanceId: text("instance_id"),
    endedAt: integer("ended_at"),
    /** The webhook vocabulary (`ALL_PARTICIPANTS_LEFT`, `HOST_ENDED_MEETING`). */
    endReason: text("end_reason"),
    id: text("id"),
    /** The name the media server reported (`conference_name`), for conferences with no document. */
    conferenceName: text("conference_name"),
    firstSeq: integer("first_seq"),
    endSeq: integer("end_seq"),
    /** The history vocabulary: `last_member_left`, `host_ended`, `destroyed`. */
    endCause: text("end_cause"),
    participantsNow: integer("participants_now").notNull().default(0),
    peakParticipants: integer("peak_participants").notNull().default(0),
    totalParticipants: integer("total_participants").notNull().default(0),
  },
  (t) => [
    index("conference_sessions_start").on(t.conferenceId, t.startedAt),
    index("conference_sessions_ended").on(t.conferenceId, t.endedAt),
    index("conference_sessions_account").on(t.accountId, t.startedAt),
    uniqueIndex("conference_sessions_id").on(t.id),
    index("conference_sessions_ended_at").on(t.endedAt),
  ],
);

/**
 * One row per stay of a call in a session (a caller who rejoins has several): when and how it
 * ended, and the time it spent muted, deaf and talking. An interval still open keeps its start
 * in `*_since`, so a live session's figures are the sums plus `now - since`.
 */
export const sessionParticipants = sqliteTable(
  "session_participants",
  {
    sessionId: text("session_id").notNull(),
    callId: text("call_id").notNull(),
    joinedAt: integer("joined_at").notNull(),
    accountId: text("account_id").notNull(),
    conferenceId: text("conference_id").notNull(),
    participantId: integer("participant_id").notNull().default(0),
    callerIdName: text("caller_id_name"),
    callerIdNumber: text("caller_id_number"),
    isModerator: integer("is_moderator", { mode: "boolean" }).notNull().default(false),
    leftAt: integer("left_at"),
    /** `hung_up`, `kicked`, `kicked_on_media_server`, `conference_destroyed`. */
    leftReason: text("left_reason"),
    mutedMs: integer("muted_ms").notNull().default(0),
    deafMs: integer("deaf_ms").notNull().default(0),
    talkMs: integer("talk_ms").notNull().default(0),
    talkCount: integer("talk_count").notNull().default(0),
    mutedSince: integer("muted_since"),
    deafSince: integer("deaf_since"),
    talkingSince: integer("talking_since"),
    /** When parley's API (or the media server) kicked this call: its leave is a kick. */
    kickedAt: integer("kicked_at"),
    kickedBy: text("kicked_by"),
  },
  (t) => [
    primaryKey({ columns: [t.sessionId, t.callId, t.joinedAt] }),
    index("session_participants_joined").on(t.sessionId, t.joinedAt),
  ],
);

/** Members currently in a conference, one row per call leg. */
export const participants = sqliteTable(
  "participants",
  {
    conferenceId: text("conference_id").notNull(),
    callId: text("call_id").notNull(),
    accountId: text("account_id").notNull(),
    participantId: integer("participant_id").notNull(),
    instanceId: text("instance_id"),
    switchHostname: text("switch_hostname"),
    callerIdName: text("caller_id_name"),
    callerIdNumber: text("caller_id_number"),
    isModerator: integer("is_moderator", { mode: "boolean" }).notNull().default(false),
    floor: integer("floor", { mode: "boolean" }).notNull().default(false),
    hear: integer("hear", { mode: "boolean" }).notNull().default(true),
    speak: integer("speak", { mode: "boolean" }).notNull().default(true),
    talking: integer("talking", { mode: "boolean" }).notNull().default(false),
    muteDetect: integer("mute_detect", { mode: "boolean" }).notNull().default(false),
    video: integer("video", { mode: "boolean" }).notNull().default(false),
    energyLevel: integer("energy_level").notNull().default(0),
    currentEnergy: integer("current_energy").notNull().default(0),
    joinedAt: integer("joined_at").notNull(),
    customChannelVars: text("custom_channel_vars", { mode: "json" })
      .notNull()
      .$type<Record<string, unknown>>()
      .default(sql`'{}'`),
    conferenceChannelVars: text("conference_channel_vars", { mode: "json" })
      .notNull()
      .$type<Record<string, unknown>>()
      .default(sql`'{}'`),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.conferenceId, t.callId] }),
    index("participants_member").on(t.conferenceId, t.participantId),
    index("participants_account").on(t.accountId),
  ],
);

/**
 * The append-only event log. `seq` orders every event parley accepted; WebSocket clients resume
 * from it and webhook deliveries point at it. A redelivered message has the same `msg_id` and
 * `digest`, so the unique index turns a redelivery into a no-op.
 */
export const events = sqliteTable(
  "events",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    msgId: text("msg_id").notNull(),
    digest: text("digest").notNull(),
    accountId: text("account_id"),
    conferenceId: text("conference_id"),
    callId: text("call_id"),
    name: text("name").notNull(),
    routingKey: text("routing_key").notNull(),
    body: text("body").notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [
    uniqueIndex("events_msg").on(t.msgId, t.digest),
    index("events_account_seq").on(t.accountId, t.seq),
    index("events_conference_seq").on(t.conferenceId, t.seq),
  ],
);

/** Webhook subscriptions: an account's endpoints and what each wants. */
export const webhooks = sqliteTable(
  "webhooks",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id),
    name: text("name").notNull(),
    url: text("url").notNull(),
    eventTypes: text("event_types", { mode: "json" }).notNull().$type<string[]>(),
    conferenceId: text("conference_id"),
    format: text("format").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    /** Deliveries about one conference strictly in order (one queue per conference) or not. */
    ordered: integer("ordered", { mode: "boolean" }).notNull().default(true),
    disabledReason: text("disabled_reason"),
    /** Signing secret (`whsec_…`); needed in clear to sign, never returned after creation. */
    secret: text("secret").notNull(),
    /** The secret before the last rotation, still signed with until `previousSecretUntil`. */
    previousSecret: text("previous_secret"),
    previousSecretUntil: integer("previous_secret_until"),
    bbbSecret: text("bbb_secret"),
    /** bbb format: only these bbb event ids (bbb-webhooks' `eventID` filter); null for all. */
    bbbEventIds: text("bbb_event_ids", { mode: "json" }).$type<string[]>(),
    /** First failure since the last success; drives automatic disabling. */
    failingSince: integer("failing_since"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    deletedAt: integer("deleted_at"),
  },
  (t) => [index("webhooks_account").on(t.accountId, t.deletedAt)],
);

/**
 * The outbox: one row per outbound event, written in the same transaction as the state change
 * that caused it, so a crash can lose no delivery.
 */
export const webhookEvents = sqliteTable(
  "webhook_events",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    conferenceId: text("conference_id"),
    type: text("type").notNull(),
    /** The event-log `seq` it derives from (absent for API-originated events). */
    seq: integer("seq"),
    occurredAt: integer("occurred_at").notNull(),
    /** Native `data` of the event. */
    data: text("data").notNull(),
    /** The normalised AMQP event it derives from, for `raw` subscriptions. */
    raw: text("raw"),
    /** Facts other formats need beyond the native payload (role, dial-in number, …). */
    extra: text("extra"),
  },
  (t) => [index("webhook_events_account").on(t.accountId, t.occurredAt)],
);

/** One event to one endpoint (per body variant), with its retry state. */
export const deliveries = sqliteTable(
  "deliveries",
  {
    seqNo: integer("seq_no").primaryKey({ autoIncrement: true }),
    /** The `webhook-id` header: stable across retries. */
    id: text("id").notNull(),
    webhookId: text("webhook_id").notNull(),
    eventId: text("event_id").notNull(),
    /** Which of a format's bodies for the event (bbb maps some events to two). */
    variant: integer("variant").notNull(),
    /** Deliveries with the same webhook and key go out in order (the conference id). */
    orderingKey: text("ordering_key").notNull(),
    status: text("status").notNull(),
    attemptCount: integer("attempt_count").notNull(),
    nextAttemptAt: integer("next_attempt_at"),
    lastStatusCode: integer("last_status_code"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("deliveries_id").on(t.id),
    index("deliveries_due").on(t.status, t.nextAttemptAt),
    index("deliveries_order").on(t.webhookId, t.orderingKey, t.status),
    index("deliveries_webhook").on(t.webhookId, t.seqNo),
    // Open deliveries per queue in order: finding a queue's next head is one index seek.
    index("deliveries_open_queue")
      .on(t.webhookId, t.orderingKey, t.seqNo)
      .where(sql`status IN ('pending', 'retrying')`),
  ],
);

/**
 * The head of every (endpoint, conference) queue that has open deliveries: the oldest open one,
 * the only one that may be sent. The dispatcher picks from the heads alone, so a pick costs the
 * same however many deliveries wait behind them. A row exists exactly while its queue has an open
 * delivery; every write that opens or closes a delivery updates it in the same transaction.
 */
export const deliveryQueues = sqliteTable(
  "delivery_queues",
  {
    webhookId: text("webhook_id").notNull(),
    orderingKey: text("ordering_key").notNull(),
    /** `seq_no` of the oldest open delivery of the queue. */
    headSeqNo: integer("head_seq_no").notNull(),
    /** The head's `next_attempt_at`; null while the endpoint is disabled or deleted (parked). */
    dueAt: integer("due_at"),
  },
  (t) => [
    primaryKey({ columns: [t.webhookId, t.orderingKey] }),
    // One endpoint's due heads in due order, parked queues left out: the dispatcher picks per
    // endpoint with a range scan, never reading the heads of an endpoint at its limit.
    index("delivery_queues_endpoint_due")
      .on(t.webhookId, t.dueAt, t.headSeqNo)
      .where(sql`due_at IS NOT NULL`),
  ],
);

/** Every attempt of a delivery: the delivery log. */
export const deliveryAttempts = sqliteTable(
  "delivery_attempts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    deliveryId: text("delivery_id").notNull(),
    attemptedAt: integer("attempted_at").notNull(),
    statusCode: integer("status_code"),
    durationMs: integer("duration_ms").notNull(),
    error: text("error"),
    /** The first KiB of the response body. */
    response: text("response"),
  },
  (t) => [index("delivery_attempts_delivery").on(t.deliveryId, t.id)],
);

/** Scheduled meetings (seed 002, ConnectyCube); each owns a conference. */
export const meetings = sqliteTable(
  "meetings",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id),
    conferenceId: text("conference_id").notNull(),
    hostId: text("host_id").notNull(),
    name: text("name").notNull(),
    startDate: integer("start_date").notNull(),
    endDate: integer("end_date").notNull(),
    attendees: text("attendees", { mode: "json" })
      .notNull()
      .$type<Array<{ id?: number; email?: string }>>(),
    record: integer("record", { mode: "boolean" }).notNull(),
    chatDialogId: text("chat_dialog_id"),
    public: integer("public", { mode: "boolean" }).notNull(),
    scheduled: integer("scheduled", { mode: "boolean" }).notNull(),
    notify: integer("notify", { mode: "boolean" }).notNull(),
    notifyBefore: text("notify_before", { mode: "json" }).$type<{
      metric: string;
      value: number;
    }>(),
    timezone: text("timezone", { mode: "json" }).$type<{ offset: number; name: string }>(),
    /** When the reminder is due (Unix ms), and when it went out: it goes out once. */
    reminderAt: integer("reminder_at"),
    reminderSentAt: integer("reminder_sent_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    deletedAt: integer("deleted_at"),
  },
  (t) => [
    index("meetings_account").on(t.accountId, t.deletedAt),
    index("meetings_conference").on(t.conferenceId),
    index("meetings_reminder").on(t.reminderSentAt, t.reminderAt),
  ],
);

/**
 * Who may list a meeting: its host and every attendee with a user id, one row each. Kept with
 * every write of the meeting so "meetings I host or attend, oldest first" is one index range scan
 * (it carries the listing's sort key, the meeting's `created_at`), whatever the account's size.
 */
export const meetingUsers = sqliteTable(
  "meeting_users",
  {
    meetingId: text("meeting_id")
      .notNull()
      .references(() => meetings.id),
    accountId: text("account_id").notNull(),
    /** A ConnectyCube user id as the token names it (`String(attendee.id)` for attendees). */
    userId: text("user_id").notNull(),
    /** The meeting's `created_at` (Unix ms): the listing's order. */
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.meetingId, t.userId] }),
    index("meeting_users_listing").on(t.accountId, t.userId, t.createdAt, t.meetingId),
  ],
);

/** Recordings reported by the media server (`recording.event.…`). */
export const recordings = sqliteTable(
  "recordings",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    conferenceId: text("conference_id").notNull(),
    status: text("status").notNull(),
    participantsIds: text("participants_ids", { mode: "json" })
      .notNull()
      .$type<Array<string | number>>(),
    duration: real("duration"),
    sizeBytes: real("size_bytes"),
    filePath: text("file_path"),
    url: text("url"),
    outputFileName: text("output_file_name"),
    /** Set once the recording went out in a `recording.done` webhook. */
    reportedAt: integer("reported_at"),
    startedAt: integer("started_at").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("recordings_conference").on(t.conferenceId, t.createdAt)],
);

/** Chat messages of a conference (`chat.event.…`), kept for the end-of-meeting export. */
export const chatMessages = sqliteTable(
  "chat_messages",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    accountId: text("account_id").notNull(),
    conferenceId: text("conference_id").notNull(),
    callId: text("call_id").notNull(),
    chatType: text("chat_type").notNull(),
    fromUserId: text("from_user_id").notNull(),
    fromUsername: text("from_username"),
    toUserId: text("to_user_id"),
    toUsername: text("to_username"),
    message: text("message").notNull(),
    sentAt: integer("sent_at").notNull(),
  },
  (t) => [index("chat_messages_conference").on(t.conferenceId, t.id)],
);
