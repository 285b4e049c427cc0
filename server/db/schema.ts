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
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("conference_runtime_account").on(t.accountId)],
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
