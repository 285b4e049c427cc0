/**
 * The outbox: stores each outbound event and one delivery per interested subscription (and per
 * body variant), inside the caller's transaction, and enters each delivery in its queue (see
 * delivery-queues.ts) in that same transaction. Nothing is sent here; the dispatcher picks the
 * queue heads up after the commit.
 * @module
 */

import type Database from "better-sqlite3";
import { subscribes, type WebhookFormat } from "../../protocol/webhooks";
import type { Entropy } from "../domain/ids";
import { createDeliveryQueues } from "./delivery-queues";
import type { OutboundEvent } from "./derive";
import { variantsOf } from "./formats";
import type { Subscription } from "./subscriptions";

export interface Outbox {
  /** Stores events and their deliveries; call inside a transaction. Returns deliveries created. */
  enqueue(events: OutboundEvent[]): number;
  /** Stores an event for one subscription only, bypassing its filters (ping). */
  enqueueFor(subscription: Subscription, event: OutboundEvent): string;
}

export function newDeliveryId(entropy: Entropy): string {
  return `msg_${entropy.bytes(12).toString("hex")}`;
}

export function createOutbox({
  sqlite,
  now,
  entropy,
  activeSubscriptions,
}: {
  sqlite: Database.Database;
  now: () => number;
  /** Delivery ids (the `webhook-id` receivers see) come from it, alike on every node. */
  entropy: Entropy;
  activeSubscriptions(accountId: string): Subscription[];
}): Outbox {
  const insertEvent = sqlite.prepare(
    `INSERT INTO webhook_events (id, account_id, conference_id, type, seq, occurred_at, data, raw, extra)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertDelivery = sqlite.prepare(
    `INSERT INTO deliveries (id, webhook_id, event_id, variant, ordering_key, status, attempt_count, next_attempt_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
  );

  const queues = createDeliveryQueues(sqlite);

  const store = (event: OutboundEvent) => {
    insertEvent.run(
      event.id,
      event.accountId,
      event.conferenceId,
      event.type,
      event.seq,
      event.occurredAt,
      JSON.stringify(event.data),
      event.raw ? JSON.stringify(event.raw) : null,
      JSON.stringify(event.extra),
    );
  };

  const deliver = (subscription: Subscription, event: OutboundEvent, variants: number[]) => {
    const at = now();
    // One queue per conference keeps its order; an unordered endpoint's deliveries each head
    // their own queue (keyed by the delivery id), so they go side by side.
    const conferenceKey = event.conferenceId ?? "";
    // A disabled endpoint (ping) keeps its delivery parked until it is enabled again.
    const active = subscription.enabled && subscription.deletedAt === null;
    const ids: string[] = [];
    for (const variant of variants) {
      const id = newDeliveryId(entropy);
      const key = subscription.ordered ? conferenceKey : id;
      const { lastInsertRowid } = insertDelivery.run(
        id,
        subscription.id,
        event.id,
        variant,
        key,
        at,
        at,
        at,
      );
      queues.opened(subscription.id, key, Number(lastInsertRowid), at, active);
      ids.push(id);
    }
    return ids;
  };

  return {
    enqueue(events) {
      let created = 0;
      /** `raw` subscriptions get each source AMQP event once, however many events it caused. */
      const rawSent = new Set<string>();
      for (const event of events) {
        let stored = false;
        for (const subscription of activeSubscriptions(event.accountId)) {
          if (!subscribes(subscription.eventTypes, event.type)) {
            continue;
          }
          if (subscription.conferenceId && subscription.conferenceId !== event.conferenceId) {
            continue;
          }
          const format = subscription.format as WebhookFormat;
          if (format === "raw" && event.seq !== null) {
            const key = `${subscription.id}:${event.seq}`;
            if (rawSent.has(key)) {
              continue;
            }
            rawSent.add(key);
          }
          const variants = variantsOf(format, event, subscription.bbbEventIds);
          if (variants.length === 0) {
            continue;
          }
          if (!stored) {
            store(event);
            stored = true;
          }
          created += deliver(subscription, event, variants).length;
        }
      }
      return created;
    },
    enqueueFor(subscription, event) {
      store(event);
      const variants = variantsOf(subscription.format as WebhookFormat, event);
      const [first] = deliver(subscription, event, variants.length > 0 ? variants : [0]);
      return first ?? "";
    },
  };
}
