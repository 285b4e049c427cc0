/**
 * Conference bindings: parses the binding strings blackhole clients send (Kazoo 4.x, 4.3, 5.x
 * and parley's account-wide extension) into subscriptions, and matches events against them.
 * @module
 */
import { knownConferenceEvents } from "../../protocol/events";
import { wsErrors } from "../../protocol/ws";

/** A parsed binding, scoped to the session's account. */
export type Subscription =
  | {
      kind: "conference";
      binding: string;
      conferenceId: string;
      /** `undefined` matches every call. */
      callId: string | undefined;
      /** `undefined` matches every event. */
      event: string | undefined;
      subscriptionKey: string;
    }
  | { kind: "account"; binding: string; subscriptionKey: string }
  | { kind: "command"; binding: string; conferenceId: string; subscriptionKey: string };

const events: ReadonlySet<string> = new Set(knownConferenceEvents);

const isEventSlot = (value: string) => value === "*" || events.has(value);
const wild = (value: string) => (value === "*" ? undefined : value);

/** Parses `binding` for `accountId`; a string is the error to reply with. */
export function parseBinding(binding: string, accountId: string): Subscription | string {
  const keys = binding.split(".");
  if (keys[0] !== "conference") {
    return wsErrors.noModule;
  }
  const rest = keys.slice(1);
  const invalid = () => wsErrors.badFormat(rest);
  const eventKey = (event: string, conference: string, call: string) =>
    `conference.event.${event}.${accountId}.${conference}.${call}`;

  if (rest[0] === "command") {
    if (rest.length !== 2 || !rest[1]) {
      return invalid();
    }
    if (rest[1] === "*") {
      return wsErrors.conferenceIdRequired;
    }
    return { kind: "command", binding, conferenceId: rest[1], subscriptionKey: binding };
  }
  if (rest[0] !== "event" || rest.some((key) => key === "")) {
    return invalid();
  }
  const [, a, b, c] = rest;
  if (rest.length === 3 && a && b) {
    // conference.event.{conference_id}.{call_id|*}, or conference.event.*.* (whole account)
    if (a === "*") {
      return b === "*"
        ? { kind: "account", binding, subscriptionKey: eventKey("*", "*", "*") }
        : wsErrors.conferenceIdRequired;
    }
    return {
      kind: "conference",
      binding,
      conferenceId: a,
      callId: wild(b),
      event: undefined,
      subscriptionKey: eventKey("*", a, b),
    };
  }
  if (rest.length === 4 && a && b && c) {
    if (isEventSlot(a)) {
      // Kazoo 5.x: conference.event.{event|*}.{conference_id|*}.{call_id|*}
      if (b === "*") {
        return a === "*" && c === "*"
          ? { kind: "account", binding, subscriptionKey: eventKey("*", "*", "*") }
          : wsErrors.conferenceIdRequired;
      }
      return {
        kind: "conference",
        binding,
        conferenceId: b,
        callId: wild(c),
        event: wild(a),
        subscriptionKey: eventKey(a, b, c),
      };
    }
    // Kazoo 4.3: conference.event.{conference_id}.*.{event|*}
    if (b !== "*") {
      return invalid();
    }
    if (!isEventSlot(c)) {
      return wsErrors.unsupportedEvent(c);
    }
    return {
      kind: "conference",
      binding,
      conferenceId: a,
      callId: undefined,
      event: wild(c),
      subscriptionKey: eventKey(c, a, "*"),
    };
  }
  return invalid();
}

/** The parts of a committed event a binding can select on. */
export interface Matchable {
  conferenceId: string;
  callId: string | undefined;
  event: string;
}

/** True when a conference or account subscription selects this event. */
export function matches(subscription: Subscription, event: Matchable): boolean {
  switch (subscription.kind) {
    case "account":
      return true;
    case "command":
      return false;
    case "conference":
      return (
        subscription.conferenceId === event.conferenceId &&
        (subscription.callId === undefined || subscription.callId === event.callId) &&
        (subscription.event === undefined || subscription.event === event.event)
      );
  }
}
