/**
 * Turns a delivery into the HTTP request that carries it: the event's body in the endpoint's
 * format, the Standard Webhooks headers signed with the endpoint's secret (and the previous one
 * during a rotation's grace period), and bbb-webhooks' checksum on the URL for bbb endpoints.
 * @module
 */
import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import type { WebhookFormat } from "../../protocol/webhooks";
import type { OutboundEvent } from "./derive";
import { type RenderedBody, render } from "./formats";
import type { SendRequest } from "./sender";
import { signatureHeader } from "./signing";
import type { Subscription } from "./subscriptions";

/** The fields of a delivery that decide its request. */
export interface DeliveryRef {
  id: string;
  event_id: string;
  variant: number;
}

export interface DeliveryRequests {
  /** The signed request for a delivery at `at`; undefined when its event is gone. */
  build(delivery: DeliveryRef, sub: Subscription, at: number): SendRequest | undefined;
}

interface EventRow {
  id: string;
  account_id: string;
  conference_id: string | null;
  type: string;
  seq: number | null;
  occurred_at: number;
  data: string;
  raw: string | null;
  extra: string | null;
}

/** Rendered bodies kept for reuse before the cache starts over. */
const BODY_CACHE_SIZE = 2048;

export function createDeliveryRequests({
  sqlite,
  domain,
}: {
  sqlite: Database.Database;
  /** `domain` of bbb bodies. */
  domain: string;
}): DeliveryRequests {
  const eventById = sqlite.prepare("SELECT * FROM webhook_events WHERE id = ?");
  const bodies = new Map<string, RenderedBody>();

  const toEvent = (row: EventRow): OutboundEvent => ({
    id: row.id,
    accountId: row.account_id,
    conferenceId: row.conference_id,
    type: row.type as OutboundEvent["type"],
    seq: row.seq,
    occurredAt: row.occurred_at,
    data: JSON.parse(row.data),
    raw: row.raw ? JSON.parse(row.raw) : null,
    extra: row.extra ? JSON.parse(row.extra) : {},
  });

  const bodyOf = (delivery: DeliveryRef, sub: Subscription): RenderedBody | undefined => {
    // Ten endpoints on one event render the same body: render it once.
    const cacheKey = `${delivery.event_id}\u0000${sub.format}\u0000${delivery.variant}`;
    const cached = bodies.get(cacheKey);
    if (cached) {
      return cached;
    }
    const eventRow = eventById.get(delivery.event_id) as EventRow | undefined;
    if (!eventRow) {
      return undefined;
    }
    const rendered = render(
      sub.format as WebhookFormat,
      toEvent(eventRow),
      delivery.variant,
      domain,
    );
    if (bodies.size >= BODY_CACHE_SIZE) {
      bodies.clear();
    }
    bodies.set(cacheKey, rendered);
    return rendered;
  };

  return {
    build(delivery, sub, at) {
      const rendered = bodyOf(delivery, sub);
      if (!rendered) {
        return undefined;
      }
      const timestamp = Math.floor(at / 1000);
      const url =
        sub.format === "bbb" && sub.bbbSecret
          ? withChecksum(sub.url, rendered.body, sub.bbbSecret)
          : sub.url;
      return {
        url,
        body: rendered.body,
        headers: {
          "content-type": rendered.contentType,
          "webhook-id": delivery.id,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": signatureHeader(
            secretsOf(sub, at),
            delivery.id,
            timestamp,
            rendered.body,
          ),
        },
      };
    },
  };
}

/** During a rotation's grace period both secrets sign, so receivers can switch at leisure. */
function secretsOf(sub: Subscription, at: number): string[] {
  return sub.previousSecret && sub.previousSecretUntil !== null && sub.previousSecretUntil > at
    ? [sub.secret, sub.previousSecret]
    : [sub.secret];
}

/** bbb-webhooks' callback checksum: sha1(callbackURL + body + secret) as a query parameter. */
export function withChecksum(url: string, body: string, secret: string): string {
  const checksum = createHash("sha1").update(`${url}${body}${secret}`, "utf8").digest("hex");
  return `${url}${url.includes("?") ? "&" : "?"}checksum=${checksum}`;
}
