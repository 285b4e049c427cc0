/**
 * Webhook events as the domain states them ("facts"): what happened, to which account and
 * conference, with its seed-shaped payload. The webhooks outbox stores and delivers them.
 * @module
 */
import type { WebhookEventType } from "../../protocol/webhooks";
import type { Entropy } from "./ids";

/** A webhook event as the domain states it; the outbox gives it an id. */
export type Fact = Omit<OutboundEvent, "id">;

/** One event in the outbox. */
export interface OutboundEvent {
  id: string;
  accountId: string;
  conferenceId: string | null;
  type: WebhookEventType;
  /** Event-log position it derives from. */
  seq: number | null;
  occurredAt: number;
  /** Seed-shaped `data`. */
  data: Record<string, unknown>;
  /** The normalised AMQP event (for `raw` subscriptions). */
  raw: Record<string, unknown> | null;
  /** Facts the `bbb` format needs that the native payload does not carry. */
  extra: Record<string, unknown>;
}

export function newEventId(entropy: Entropy): string {
  return `evt_${entropy.bytes(12).toString("hex")}`;
}
