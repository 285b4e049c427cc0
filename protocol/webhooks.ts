/**
 * Webhook subscriptions and deliveries: event catalogue (seed 001's `resource.event` names),
 * body formats, the subscription schema, and delivery states.
 * @module
 */
import { z } from "zod";
import { isoOrUnix } from "./iso-or-unix";
import { lenientBoolean } from "./lenient";

/** Native event types parley delivers. Talking events are opt-in only (never matched by `*`). */
export const webhookEventTypes = [
  "meeting.started",
  "meeting.ended",
  "meeting.participantJoined",
  "meeting.participantLeft",
  "meeting.participantMuted",
  "meeting.participantUnmuted",
  "meeting.participantDeafened",
  "meeting.participantUndeafened",
  "meeting.participantTalkingStarted",
  "meeting.participantTalkingStopped",
  "meeting.locked",
  "meeting.unlocked",
  "conference.created",
  "conference.updated",
  "conference.deleted",
  "meeting.notify",
  "meeting.reminder",
  "meeting.chatMessage",
  "meeting.chatSynced",
  "meeting.transcript",
  "recording.statusUpdate",
  "recording.done",
  "livestreaming.statusUpdate",
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number] | "webhook.ping";

/** Groups the catalogue sorts event types into, so a client can show them in sections. */
export const webhookEventGroups = [
  "meeting",
  "participant",
  "conference",
  "schedule",
  "chat",
  "media",
] as const;

/**
 * What each event type means, as the catalogue (`GET /v2/webhooks`) shows it. Keyed by every
 * `webhookEventTypes` entry, so a type added without a description does not compile.
 */
export const webhookEventCatalogue: Record<
  (typeof webhookEventTypes)[number],
  { name: string; description: string; group: (typeof webhookEventGroups)[number] }
> = {
  "meeting.started": {
    name: "Meeting started",
    description: "The first member joined an idle conference, or the media server created it.",
    group: "meeting",
  },
  "meeting.ended": {
    name: "Meeting ended",
    description:
      "The last member left or the conference was destroyed; `reason` is ALL_PARTICIPANTS_LEFT or HOST_ENDED_MEETING.",
    group: "meeting",
  },
  "meeting.locked": {
    name: "Meeting locked",
    description: "The conference was locked: nobody else can join.",
    group: "meeting",
  },
  "meeting.unlocked": {
    name: "Meeting unlocked",
    description: "The conference was unlocked.",
    group: "meeting",
  },
  "meeting.participantJoined": {
    name: "Participant joined",
    description: "A call joined the conference.",
    group: "participant",
  },
  "meeting.participantLeft": {
    name: "Participant left",
    description: "A call left the conference: hung up, kicked, or the conference ended.",
    group: "participant",
  },
  "meeting.participantMuted": {
    name: "Participant muted",
    description: "A participant was muted, by the API or on the media server.",
    group: "participant",
  },
  "meeting.participantUnmuted": {
    name: "Participant unmuted",
    description: "A participant was unmuted.",
    group: "participant",
  },
  "meeting.participantDeafened": {
    name: "Participant deafened",
    description: "A participant can no longer hear the conference.",
    group: "participant",
  },
  "meeting.participantUndeafened": {
    name: "Participant undeafened",
    description: "A participant hears the conference again.",
    group: "participant",
  },
  "meeting.participantTalkingStarted": {
    name: "Participant started talking",
    description:
      "A participant started talking; at most one per participant every 2 s. Opt-in only: `*` never includes it.",
    group: "participant",
  },
  "meeting.participantTalkingStopped": {
    name: "Participant stopped talking",
    description: "A participant stopped talking. Opt-in only: `*` never includes it.",
    group: "participant",
  },
  "conference.created": {
    name: "Conference created",
    description: "A conference document was created through the API.",
    group: "conference",
  },
  "conference.updated": {
    name: "Conference updated",
    description: "A conference document was replaced or changed through the API.",
    group: "conference",
  },
  "conference.deleted": {
    name: "Conference deleted",
    description: "A conference document was deleted through the API.",
    group: "conference",
  },
  "meeting.notify": {
    name: "Meeting notification",
    description:
      "Tell a scheduled meeting's attendees about it: on create with `notify`, when its start changes, when attendees are added.",
    group: "schedule",
  },
  "meeting.reminder": {
    name: "Meeting reminder",
    description: "Once, `notify_before` ahead of a scheduled meeting's start.",
    group: "schedule",
  },
  "meeting.chatMessage": {
    name: "Chat message",
    description: "A public or private chat message was sent in the meeting.",
    group: "chat",
  },
  "meeting.chatSynced": {
    name: "Chat synced",
    description: "After a meeting with chat: a signed link to its messages as CSV.",
    group: "chat",
  },
  "meeting.transcript": {
    name: "Transcript",
    description: "The media server published the meeting's transcript (its `url`).",
    group: "media",
  },
  "recording.statusUpdate": {
    name: "Recording status",
    description: "A recording changed status: INVOKED, RECORDING, UPLOADING, UPLOADED or ERRORED.",
    group: "media",
  },
  "recording.done": {
    name: "Recordings done",
    description: "The meeting ended and every recording of it is uploaded (ConnectyCube's body).",
    group: "media",
  },
  "livestreaming.statusUpdate": {
    name: "Livestream status",
    description: "A livestream went LIVE or OFFLINE.",
    group: "media",
  },
};

/** Types a subscription receives only when it names them: chatty, and nobody else sends them. */
export const optInOnlyTypes: ReadonlySet<string> = new Set([
  "meeting.participantTalkingStarted",
  "meeting.participantTalkingStopped",
]);

/** Body formats: Dyte-style JSON, bbb-webhooks' form post, or the normalised AMQP event. */
export const webhookFormats = ["native", "bbb", "raw"] as const;
export type WebhookFormat = (typeof webhookFormats)[number];

const eventTypeOrAll = z.union([z.literal("*"), z.enum(webhookEventTypes)]);

/** `PUT /v2/accounts/{A}/webhooks` data. */
export const webhookBody = z.object({
  name: z.string().min(1).max(128),
  url: z.string().min(1).max(2048),
  event_types: z
    .array(eventTypeOrAll)
    .min(1)
    .superRefine((items, ctx) => {
      if (new Set(items).size !== items.length) {
        ctx.addIssue({
          code: "custom",
          message: "List of items is not unique",
          params: { rule: "uniqueItems" },
          input: items,
        });
      }
    }),
  conference_id: z.string().min(1).max(256).optional(),
  format: z.enum(webhookFormats).default("native"),
  enabled: lenientBoolean.default(true),
  /**
   * Deliveries about one conference go out strictly in order, one at a time (the default), or,
   * when false, side by side up to the endpoint's concurrency: a burst drains several times
   * faster, and a receiver orders by the body's `seq` itself.
   */
  ordered: lenientBoolean.default(true),
  /** bbb format only: signs each callback with bbb-webhooks' `checksum` query parameter. */
  bbb_secret: z.string().min(1).max(256).optional(),
  /** bbb format only: send only these bbb event ids (bbb-webhooks' `eventID`). */
  bbb_event_ids: z.array(z.string().min(1).max(64)).min(1).optional(),
});
export type WebhookBody = z.infer<typeof webhookBody>;

/** Does a subscription listing `eventTypes` want events of `type`? */
export function subscribes(eventTypes: readonly string[], type: string): boolean {
  if (eventTypes.includes(type)) {
    return true;
  }
  return eventTypes.includes("*") && !optInOnlyTypes.has(type);
}

/** Webhook actions on `PUT /webhooks/{W}`. */
export const webhookActions = ["rotate_secret", "ping", "recover"] as const;

/** An endpoint's state at a glance: `failing` is enabled, but failed last or has retries waiting. */
export const endpointStates = ["enabled", "failing", "disabled"] as const;

/** How an endpoint is doing, computed on every read (never stored): `_read_only` of a subscription. */
export const endpointHealth = z
  .strictObject({
    state: z.enum(endpointStates),
    /** ISO 8601 of the first failure since the last success; null while it succeeds. */
    failing_since: z.string().nullable(),
    /** The latest attempt (among the endpoint's newest 50 deliveries and its open ones). */
    last_attempt_at: z.string().nullable(),
    /** Its HTTP status; null when it got no answer (see `last_error`) or there was none. */
    last_status_code: z.int().nullable(),
    /** Why it got no answer (timeout, refused, …); null when it did. */
    last_error: z.string().nullable(),
    /** Deliveries waiting for their first attempt. */
    pending: z.int().min(0),
    /** Deliveries that failed and wait for their next attempt. */
    retrying: z.int().min(0),
  })
  .meta({ id: "WebhookHealth" });

/** A subscription as the API shows it; `secret` (and `bbb_secret`) only on create and rotate. */
export const subscriptionView = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    url: z.string(),
    event_types: z.array(z.string()),
    conference_id: z.string().optional(),
    format: z.enum(webhookFormats),
    enabled: z.boolean(),
    ordered: z.boolean(),
    bbb_event_ids: z.array(z.string()).optional(),
    /** Why parley disabled the endpoint (410 Gone, days of failures). */
    disabled_reason: z.string().optional(),
    /** Unix milliseconds. */
    created: z.int(),
    updated: z.int(),
    /** The signing secret (Standard Webhooks `whsec_…`), shown once. */
    secret: z.string().optional(),
    bbb_secret: z.string().optional(),
    /** On reads, lists and updates: how the endpoint is doing. */
    _read_only: endpointHealth.optional(),
  })
  .meta({ id: "Webhook" });

/** `GET …/webhooks/{W}/secret`: the signing secrets, revealed on request (Svix's "reveal"). */
export const webhookSecretView = z
  .strictObject({
    /** The Standard Webhooks secret (`whsec_…`) that signs every delivery. */
    secret: z.string(),
    /** bbb format: the secret of bbb-webhooks' `checksum`, when the subscription has one. */
    bbb_secret: z.string().optional(),
  })
  .meta({ id: "WebhookSecret" });

/** `PUT /webhooks/{W}` body: an action (`recover` takes `since`, ISO 8601 or Unix seconds). */
export const webhookActionBody = z.object({
  action: z.enum(webhookActions),
  since: isoOrUnix.optional(),
});

/** What a webhook action answers: the rotated subscription, the ping's delivery, the count. */
export const webhookActionAnswer = z.union([
  subscriptionView,
  z.strictObject({ delivery_id: z.string() }),
  z.strictObject({ recovered: z.int().min(0) }),
]);
