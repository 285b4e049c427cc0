/**
 * The common frame of the webhook events side events bring about: a `Fact` with its type
 * repeated as `data.event`, the event-log entry it reports (if any), and seed 001's time format.
 * @module
 */
import type { MeetingModel } from "../../protocol/meetings";
import type { WebhookEventType } from "../../protocol/webhooks";
import type { Fact } from "../domain/facts";
import type { MeetingRow } from "../domain/meeting-rows";
import type { RunRef } from "../domain/run-memory";
import type { NoticeSource } from "../domain/side-notices";

/** How the payloads show a meeting; both read the store, so they run inside the ingest. */
export interface SidePresenter {
  /** The scheduled meeting as the API answers it (`http/meeting-format.ts`). */
  meeting(row: MeetingRow): MeetingModel;
  /** Seed 001's `meeting` object for the run an event names (`webhooks/meeting-object.ts`). */
  meetingObject(conferenceId: string, accountId: string, run: RunRef): Record<string, unknown>;
}

/** Who and when: the account, the conference, the time it happened, the log entry if any. */
export interface FactOrigin {
  accountId: string;
  conferenceId: string;
  at: number;
  source?: NoticeSource;
}

/** A webhook event with seed 001's payload `data`, and what the `bbb` format needs in `extra`. */
export function sideFact(
  origin: FactOrigin,
  type: WebhookEventType,
  data: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Fact {
  return {
    accountId: origin.accountId,
    conferenceId: origin.conferenceId,
    type,
    seq: origin.source?.seq ?? null,
    occurredAt: origin.at,
    data: { event: type, ...data },
    raw: origin.source?.raw ?? null,
    extra,
  };
}

/** Seed 001's expiry format: `2022-12-13 07:08:39.051621Z`. */
export function expiryText(ms: number): string {
  return `${new Date(ms).toISOString().replace("T", " ").replace(/Z$/, "")}000Z`;
}
