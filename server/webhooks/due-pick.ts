/**
 * One pass of the dispatcher's pick: due queue heads endpoint by endpoint, starting at a rotating
 * endpoint so none waits behind the others. Endpoints at their limit, or sent for by another node,
 * are passed over without reading their heads, so a pass costs nothing per waiting delivery.
 * @module
 */
import type { DeliveryQueues, DueHead } from "./delivery-queues";
import type { InFlight } from "./in-flight";
import type { Subscription } from "./subscriptions";

export interface DuePick {
  queues: DeliveryQueues;
  inFlight: InFlight;
  maxInFlight: number;
  at: number;
  /** Which endpoint the pass serves first (a counter the dispatcher moves on each pass). */
  turn: number;
  /** The endpoint when this node sends for it now. */
  sendsFor(webhookId: string): Subscription | undefined;
  /** Sends one head; false when it could not be sent. */
  launch(row: DueHead, sub: Subscription): boolean;
}

/** Sends what it can of the due heads; returns how many went out. */
export function pickDue(pick: DuePick): number {
  const { queues, inFlight, maxInFlight, at } = pick;
  const endpoints = queues.dueEndpoints();
  let launched = 0;
  for (let i = 0; i < endpoints.length; i += 1) {
    const endpoint = endpoints[(i + pick.turn) % endpoints.length];
    const room = Math.min(
      maxInFlight - inFlight.size,
      endpoint ? inFlight.room(endpoint.webhook_id) : 0,
    );
    if (!endpoint || endpoint.due_at > at || room <= 0) {
      continue;
    }
    const sub = pick.sendsFor(endpoint.webhook_id);
    if (!sub) {
      continue;
    }
    // Busy queues' heads come first in the pick (they are the oldest) and are passed over.
    const limit = room + inFlight.busyOf(endpoint.webhook_id);
    for (const row of queues.due(endpoint.webhook_id, at, limit)) {
      if (inFlight.size >= maxInFlight) {
        break;
      }
      if (inFlight.blocks(row)) {
        continue;
      }
      if (row.status !== "pending" && row.status !== "retrying") {
        // Not a head any more (it cannot happen while every writer keeps the heads): heal it.
        queues.refresh(row.webhook_id, row.ordering_key);
        continue;
      }
      if (pick.launch(row, sub)) {
        launched += 1;
      }
    }
  }
  return launched;
}
