/**
 * Webhook subscriptions and deliveries: event catalogue (seed 001's `resource.event` names),
 * body formats, the subscription schema, and delivery states.
 * @module
 */
import { z } from "zod";
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

/** Types a subscription receives only when it names them: chatty, and nobody else sends them. */
export const optInOnlyTypes: ReadonlySet<string> = new Set([
  "meeting.participantTalkingStarted",
  "meeting.participantTalkingStopped",
]);

/** Body formats: Dyte-style JSON, bbb-webhooks' form post, or the normalised AMQP event. */
export const webhookFormats = ["native", "bbb", "raw"] as const;
export type WebhookFormat = (typeof webhookFormats)[number];

/** Delivery states: waiting for a first attempt, waiting for a retry, done, or given up. */
export const deliveryStatuses = ["pending", "retrying", "succeeded", "dead"] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

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
  })
  .meta({ id: "Webhook" });

/** `GET …/deliveries` query. */
export const deliveryListQuery = z.object({
  status: z.enum(deliveryStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** A delivery in the log. Times are ISO 8601. */
export const deliveryView = z
  .strictObject({
    id: z.string(),
    webhook_id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    conference_id: z.string().optional(),
    seq: z.int().optional(),
    status: z.enum(deliveryStatuses),
    attempt_count: z.int().min(0),
    next_attempt_at: z.string().nullable(),
    last_status_code: z.int().nullable(),
    created: z.string(),
    updated: z.string(),
  })
  .meta({ id: "Delivery" });

/** One delivery with every attempt made. */
export const deliveryDetail = deliveryView
  .extend({
    attempts: z.array(
      z.strictObject({
        at: z.string(),
        status_code: z.int().nullable(),
        duration_ms: z.number().min(0),
        error: z.string().nullable(),
        response: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: "DeliveryDetail" });

/** `PUT /webhooks/{W}` body: an action (`recover` takes `since`, ISO 8601 or Unix seconds). */
export const webhookActionBody = z.object({
  action: z.enum(webhookActions),
  since: z.union([z.string(), z.number()]).optional(),
});

/** What a webhook action answers: the rotated subscription, the ping's delivery, the count. */
export const webhookActionAnswer = z.union([
  subscriptionView,
  z.strictObject({ delivery_id: z.string() }),
  z.strictObject({ recovered: z.int().min(0) }),
]);
