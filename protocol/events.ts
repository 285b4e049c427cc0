/**
 * Inbound conference events: the two wire forms parley accepts, normalised to one shape.
 *
 * - Seed 003's legacy form: routing key `conference.event.{conference_id}.{call_id}`, flat
 *   participant state, snake_case (`event`, `call_id`) or Kazoo's wire case (`Event`, `Call-ID`).
 * - Kazoo's current feed: `conference.event.{event}.{account_id}.{conference_id}.{call_id}`,
 *   `Event-Name: event`, participant state in `Conference-Channel-Vars`; conference-level events
 *   carry the conference id in the call-id slot.
 *
 * Keys are normalised as Kazoo's blackhole does (lower case, `-` → `_`, recursively), which is
 * also the `data` WebSocket clients receive.
 * @module
 */
import { z } from "zod";
import { lenientBoolean, lenientInt } from "./lenient";

export {
  conferenceLevelEvents,
  flagsForcedBy,
  participantFlagDefaults,
  participantFlags,
} from "./event-tables";

/** Largest inbound message parley accepts; larger ones are dead-lettered. */
export const MAX_EVENT_BYTES = 256 * 1024;

/** The conference events Kazoo publishes by default; others are logged and forwarded as-is. */
export const knownConferenceEvents = [
  "conference-create",
  "conference-destroy",
  "lock",
  "unlock",
  "add-member",
  "del-member",
  "start-talking",
  "stop-talking",
  "mute-member",
  "unmute-member",
  "deaf-member",
  "undeaf-member",
] as const;

/**
 * Normalised names of the keys seen so far: Kazoo sends the same few dozen keys in every event,
 * and lower-casing and replacing each again cost more than parsing the JSON. Bounded, for keys
 * a sender made up.
 */
const normalizedNames = new Map<string, string>();
const MAX_NORMALIZED_NAMES = 4096;

function normalizedName(key: string): string {
  let name = normalizedNames.get(key);
  if (name === undefined) {
    name = key.toLowerCase().replaceAll("-", "_");
    if (normalizedNames.size < MAX_NORMALIZED_NAMES) {
      normalizedNames.set(key, name);
    }
  }
  return name;
}

/** Lower-cases keys and turns `-` into `_`, recursively (Kazoo's `kz_json:normalize`). */
export function normalizeKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(normalizeKeys);
  }
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key in value) {
      if (!Object.hasOwn(value, key)) {
        continue;
      }
      const name = normalizedName(key);
      const inner = normalizeKeys((value as Record<string, unknown>)[key]);
      if (name === "__proto__") {
        // A plain key, not the prototype.
        Object.defineProperty(out, name, {
          value: inner,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        out[name] = inner;
      }
    }
    return out;
  }
  return value;
}

/** Decodes a routing-key segment escaped by Kazoo's `kz_amqp_util:encode`. */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment.replaceAll("+", " "));
  } catch {
    return segment;
  }
}

/** What the routing key says about an event. */
export interface RoutingKeyParts {
  form: "legacy" | "current";
  conferenceId: string;
  callId: string;
  event?: string;
  accountId?: string;
}

/** Parses a conference event routing key; `undefined` when it is neither known form. */
export function parseEventRoutingKey(routingKey: string): RoutingKeyParts | undefined {
  const parts = routingKey.split(".");
  if (parts[0] !== "conference" || parts[1] !== "event") {
    return undefined;
  }
  if (parts.length === 4 && parts[2] && parts[3]) {
    return {
      form: "legacy",
      conferenceId: decodeSegment(parts[2]),
      callId: decodeSegment(parts[3]),
    };
  }
  if (parts.length === 6 && parts[2] && parts[3] && parts[4] && parts[5]) {
    return {
      form: "current",
      event: parts[2],
      accountId: parts[3],
      conferenceId: decodeSegment(parts[4]),
      callId: decodeSegment(parts[5]),
    };
  }
  return undefined;
}

const id = z.string().min(1).max(256);
const text = z.string().max(1024);
const vars = z.record(z.string(), z.unknown());

/** Participant state flags, as they appear flat (legacy) or in `conference_channel_vars`. */
const stateFields = {
  is_moderator: lenientBoolean.optional(),
  floor: lenientBoolean.optional(),
  hear: lenientBoolean.optional(),
  speak: lenientBoolean.optional(),
  talking: lenientBoolean.optional(),
  mute_detect: lenientBoolean.optional(),
  video: lenientBoolean.optional(),
  energy_level: lenientInt.optional(),
  current_energy: lenientInt.optional(),
};

/** A normalised inbound conference event (unknown keys are kept for forwarding). */
export const conferenceEvent = z.looseObject({
  event: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9_-]+$/i),
  conference_id: id,
  call_id: id.optional(),
  instance_id: id.optional(),
  participant_id: lenientInt.pipe(z.int().min(0)).optional(),
  caller_id_name: text.optional(),
  caller_id_number: text.optional(),
  channel_presence_id: text.optional(),
  focus: text.optional(),
  msg_id: id.optional(),
  account_id: id.optional(),
  event_name: text.optional(),
  custom_channel_vars: vars.optional(),
  conference_channel_vars: z
    .looseObject({ ...stateFields, member_id: lenientInt.optional() })
    .optional(),
  ...stateFields,
});

export type ConferenceEvent = z.infer<typeof conferenceEvent>;
