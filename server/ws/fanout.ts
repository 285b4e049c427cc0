/**
 * What the gateway pushes, and to whom: committed conference events to the bindings that match
 * them, commands parley sent to `conference.command.{id}` bindings, and logged events replayed
 * for `resume_from`. Each event's data is serialised once, and each frame once per binding
 * string, however many sockets hold it.
 * @module
 */
import type { ConferenceCommand } from "../../protocol/commands";
import { commandRoutingKey } from "../../protocol/commands";
import { normalizeKeys } from "../../protocol/events";
import type { CommittedEvent } from "../domain/ingest";
import { matches, type Subscription } from "./bindings";
import type { Session } from "./session";
import type { SubscriptionIndex } from "./subscription-index";

/** Logged events a resuming client may be behind by; further back it must reload. */
export const REPLAY_LIMIT = 10_000;

/** blackhole's event frame, built as a string so the data is embedded already serialised. */
function frameFor(
  subscription: Subscription,
  name: string,
  routingKey: string,
  dataJson: string,
  seq: number | undefined,
): string {
  return `{"action":"event","subscribed_key":${JSON.stringify(subscription.binding)},"subscription_key":${JSON.stringify(subscription.subscriptionKey)},"name":${JSON.stringify(name)},"routing_key":${JSON.stringify(routingKey)},"data":${dataJson}${seq === undefined ? "" : `,"seq":${seq}`}}`;
}

/** Pushes committed conference events to their subscribers; returns the frames sent. */
export function pushEvents(index: SubscriptionIndex<Session>, events: CommittedEvent[]): number {
  let sent = 0;
  for (const event of events) {
    if (event.category === "conference") {
      sent += pushEvent(index, event);
    }
  }
  return sent;
}

function pushEvent(index: SubscriptionIndex<Session>, event: CommittedEvent): number {
  let sent = 0;
  let dataJson: string | undefined;
  const frames = new Map<string, string>();
  for (const entry of index.candidates(event.conferenceId, event.accountId)) {
    if (
      entry.accountId !== event.accountId ||
      (entry.after !== undefined && event.seq <= entry.after) ||
      !matches(entry.subscription, event)
    ) {
      continue;
    }
    const { binding } = entry.subscription;
    let frame = frames.get(binding);
    if (frame === undefined) {
      dataJson ??= JSON.stringify(event.data);
      frame = frameFor(entry.subscription, event.eventName, event.routingKey, dataJson, event.seq);
      frames.set(binding, frame);
    }
    entry.session.send(frame);
    sent += 1;
  }
  return sent;
}

/** Pushes commands parley sent for `accountId` to its command subscribers. */
export function pushCommands(
  index: SubscriptionIndex<Session>,
  accountId: string,
  commands: ConferenceCommand[],
): void {
  for (const command of commands) {
    const conferenceId = command["Conference-ID"];
    const routingKey = commandRoutingKey(conferenceId);
    let dataJson: string | undefined;
    for (const entry of index.commandSubscribers(conferenceId)) {
      if (entry.accountId !== accountId) {
        continue;
      }
      dataJson ??= JSON.stringify(normalizeKeys(command));
      entry.session.send(frameFor(entry.subscription, "command", routingKey, dataJson, undefined));
    }
  }
}

/** Sends `session` the logged events its `subscriptions` match, in order, with their `seq`. */
export function replayTo(
  session: Session,
  subscriptions: Subscription[],
  logged: CommittedEvent[],
): void {
  for (const event of logged) {
    const dataJson = JSON.stringify(event.data);
    for (const subscription of subscriptions) {
      if (matches(subscription, event)) {
        session.send(
          frameFor(subscription, event.eventName, event.routingKey, dataJson, event.seq),
        );
      }
    }
  }
}
