/**
 * The webhook catalogue as `GET /v2/webhooks` and `GET /v2/webhooks/formats` answer it: each
 * event type with its description (the table itself is `webhookEventCatalogue` in webhooks.ts,
 * beside the types), and each body format with what it is.
 * @module
 */
import { z } from "zod";
import {
  type WebhookFormat,
  webhookEventGroups,
  webhookEventTypes,
  webhookFormats,
} from "./webhooks";

/** What each body format is, as `GET /v2/webhooks/formats` shows it. */
export const webhookFormatCatalogue: Record<WebhookFormat, { name: string; description: string }> =
  {
    native: {
      name: "Native JSON",
      description:
        "JSON `{type, timestamp, data}` with Dyte-style `resource.event` types and payloads (the default).",
    },
    bbb: {
      name: "BigBlueButton",
      description:
        "A form post exactly as bbb-webhooks sends it, with BigBlueButton's event ids; `bbb_secret` adds its `checksum`.",
    },
    raw: {
      name: "Raw event",
      description: "The normalised AMQP event that caused the delivery, as JSON.",
    },
  };

/** An entry of the event catalogue (`GET /v2/webhooks`, Kazoo's "available webhooks"). */
export const webhookEventTypeView = z
  .strictObject({
    id: z.enum(webhookEventTypes),
    name: z.string(),
    description: z.string(),
    group: z.enum(webhookEventGroups),
    /** Received only when a subscription names it: `*` never includes it. */
    opt_in: z.boolean(),
  })
  .meta({ id: "WebhookEventType" });

/** A body format (`GET /v2/webhooks/formats`). */
export const webhookFormatView = z
  .strictObject({ id: z.enum(webhookFormats), name: z.string(), description: z.string() })
  .meta({ id: "WebhookFormat" });
