/**
 * Meeting reminders: each meeting that notifies gets one `meeting.reminder` at its `reminder_at`
 * (`notify_before` ahead of its start). The server's ticker calls `sendDueReminders`; marking and
 * announcing share one transaction, so a reminder goes out once even across a restart.
 * @module
 */
import { type MeetingNotice, reminderNotice } from "./meeting-notices";
import type { MeetingStore } from "./meeting-store";

/** What sending reminders needs besides the store: the clock, and where notices go. */
export interface ReminderDeps {
  now: () => number;
  /** Stores the notices as webhook events; called inside the transaction. */
  publish(notices: MeetingNotice[]): void;
  transaction<T>(fn: () => T): T;
}

/** Sends every due reminder not yet sent; returns how many went out. */
export function sendDueReminders(store: MeetingStore, deps: ReminderDeps): number {
  const at = deps.now();
  return deps.transaction(() => {
    const due = store.dueReminders(at);
    for (const row of due) {
      store.markReminded(row.id, at);
    }
    deps.publish(due.map((row) => reminderNotice(row, at)));
    return due.length;
  });
}
