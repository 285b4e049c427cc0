/**
 * The handlers of every write operation (`WriteOps`), over the services they change, and the
 * typed writer the edges use: appending to the log and answering once this node applied it.
 * @module
 */

import { badIdentifier } from "../domain/errors";
import type { MarkHostEnding } from "../domain/host-ending";
import type { InstallationSecrets } from "../domain/installation-secrets";
import type { MeetingService } from "../domain/meetings";
import type { ReplicatedLog } from "../domain/replicated-log";
import type { SqlStore } from "../domain/store";
import type { ParleyWrites, WriteOps } from "../domain/write-ops";
import { LogWrites, type WriteOutcomes } from "../domain/writes";
import type { WebhookSystem } from "../webhooks/webhook-system";
import type { DomainPart } from "./domain";

/** The handlers, applied by every node's applier (synchronous, deterministic). */
export function writeHandlers(parts: {
  domain: DomainPart;
  webhooks: WebhookSystem;
  meetings: MeetingService;
  markHostEnding: MarkHostEnding;
  secrets: InstallationSecrets;
  sqlite: SqlStore;
  /** The clock of the entry being applied. */
  now: () => number;
}): WriteOps {
  const { accounts, conferences } = parts.domain;
  const { subscriptions, deliveryLog, dispatcher } = parts.webhooks;
  const { meetings } = parts;
  const subscription = (accountId: string, webhookId: string) => {
    const found = subscriptions.find(accountId, webhookId);
    if (!found) {
      throw badIdentifier(webhookId);
    }
    return found;
  };
  return {
    "account.create": ({ name, id, keyDigest }) =>
      accounts.createWithKeyDigest(name, id, keyDigest),
    "account.rotate_key": ({ accountId, keyDigest }) => accounts.rotateKey(accountId, keyDigest),
    "conference.create": ({ accountId, data }) => conferences.create(accountId, data),
    "conference.replace": ({ accountId, conferenceId, data }) =>
      conferences.replace(accountId, conferenceId, data),
    "conference.patch": ({ accountId, conferenceId, data }) =>
      conferences.patch(accountId, conferenceId, data),
    "conference.remove": ({ accountId, conferenceId }) =>
      conferences.remove(accountId, conferenceId),
    "conference.host_ending": ({ conferenceId }) => {
      parts.markHostEnding(conferenceId);
      parts.domain.sessions.kickRequestedIn(conferenceId, "all", parts.now());
    },
    "participant.kicking": ({ conferenceId, callId }) =>
      parts.domain.sessions.kickRequestedIn(conferenceId, [callId], parts.now()),
    "webhook.create": ({ accountId, body }) => subscriptions.create(accountId, body),
    "webhook.update": ({ accountId, webhookId, body }) =>
      subscriptions.update(accountId, webhookId, body),
    "webhook.remove": ({ accountId, webhookId }) => subscriptions.remove(accountId, webhookId),
    "webhook.rotate_secret": ({ accountId, webhookId }) =>
      subscriptions.rotateSecret(accountId, webhookId),
    "webhook.ping": ({ accountId, webhookId }) =>
      parts.webhooks.ping(subscription(accountId, webhookId)),
    "webhook.recover": ({ webhookId, since }) => {
      const recovered = deliveryLog.recover(webhookId, since);
      dispatcher.wake();
      return recovered;
    },
    "delivery.retry": ({ webhookId, deliveryId }) => {
      const retried = deliveryLog.retry(webhookId, deliveryId);
      dispatcher.wake();
      return retried;
    },
    "meeting.create": ({ accountId, hostId, body }) => meetings.create(accountId, hostId, body),
    "meeting.update": ({ accountId, userId, meetingId, body }) =>
      meetings.applyUpdate(accountId, userId, meetingId, body),
    "meeting.remove": ({ accountId, userId, meetingId }) =>
      meetings.remove(accountId, userId, meetingId),
    "delivery.outcomes": ({ outcomes }) => {
      parts.webhooks.recordOutcomes(outcomes);
      dispatcher.wake();
    },
    "node.join": ({ secrets }) => {
      parts.secrets.decide(parts.sqlite, secrets);
    },
    "meeting.reminders": () => {
      const sent = meetings.sendDueReminders();
      if (sent > 0) {
        dispatcher.wake();
      }
      return sent;
    },
  };
}

/** The writer every edge uses, on `log`; outcomes come from this node's applier. */
export function logWrites(
  log: ReplicatedLog,
  outcomes: WriteOutcomes,
  deps: { newEntryId: () => string; now: () => number },
): ParleyWrites {
  return new LogWrites<WriteOps>({ log, outcomes, ...deps });
}
