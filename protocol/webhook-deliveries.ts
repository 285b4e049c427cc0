/**
 * A subscription's delivery log as the API shows it: delivery states, the searchable list's
 * query and paging keys, one delivery, and one delivery with every attempt.
 * @module
 */
import { z } from "zod";
import { isoOrUnix } from "./iso-or-unix";
import { webhookEventTypes } from "./webhooks";

/** Delivery states: waiting for a first attempt, waiting for a retry, done, or given up. */
export const deliveryStatuses = ["pending", "retrying", "succeeded", "dead"] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/** Largest page of the delivery log. */
export const MAX_DELIVERY_PAGE = 1000;

/** `GET …/deliveries` query: filters (all must hold), then keyset paging, newest first. */
export const deliveryListQuery = z.object({
  status: z.enum(deliveryStatuses).optional(),
  event_type: z.enum([...webhookEventTypes, "webhook.ping"]).optional(),
  conference_id: z.string().min(1).max(256).optional(),
  /** A delivery id (`msg_…`) or event id (`evt_…`), whole or its beginning. */
  q: z.string().min(1).max(128).optional(),
  /** Created at or after. */
  since: isoOrUnix.optional(),
  /** Created before. */
  until: isoOrUnix.optional(),
  /** The `next_start_key` of the previous page. */
  start_key: z
    .string()
    .regex(/^\d{1,16}$/, "must be a next_start_key parley gave")
    .optional(),
  limit: z.coerce.number().int().min(1).max(MAX_DELIVERY_PAGE).default(100),
});

/** Beside a delivery page's `data`: Kazoo's paging keys. */
export const deliveryPageKeys = {
  page_size: z.int().min(0),
  start_key: z.string().optional(),
  /** Pass as `start_key` for the next (older) page; absent on the last. */
  next_start_key: z.string().optional(),
};

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
