/**
 * The fast path of `conferenceEvent`: a hand-written check of an event whose every known field
 * already has its canonical type (strings within their limits, real booleans and integers), which
 * is what Kazoo sends. It gives what `conferenceEvent.parse` gives for such an event and
 * `undefined` for anything else, which the caller then parses with the schema, for its
 * conversions (`"true"`, `"25"`) and its error messages. Hand-written because schema validation
 * was a fifth of the ingest's time per event and no library compiles a zod schema to a plain check.
 * @module
 */
import { participantFlags } from "./event-tables";
import type { ConferenceEvent } from "./events";

const ID_MAX = 256;
const TEXT_MAX = 1024;
const EVENT_NAME = /^[a-z0-9_-]+$/i;

const idFields = ["call_id", "instance_id", "msg_id", "account_id"] as const;
const textFields = [
  "caller_id_name",
  "caller_id_number",
  "channel_presence_id",
  "focus",
  "event_name",
] as const;
const integerFields = ["energy_level", "current_energy"] as const;

const isId = (value: unknown) =>
  typeof value === "string" && value.length >= 1 && value.length <= ID_MAX;
const isPlain = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" &&
  value !== null &&
  !Array.isArray(value) &&
  Object.getPrototypeOf(value) === Object.prototype &&
  !Object.hasOwn(value, "__proto__");

/** Whether the participant state flags of `value` are all absent or canonical. */
function stateIsCanonical(value: Record<string, unknown>): boolean {
  for (const field of participantFlags) {
    const flag = value[field];
    if (flag !== undefined && typeof flag !== "boolean") {
      return false;
    }
  }
  for (const field of integerFields) {
    const number = value[field];
    if (number !== undefined && !Number.isSafeInteger(number)) {
      return false;
    }
  }
  return true;
}

/**
 * `conferenceEvent.parse(candidate)` for a canonical event (a copy, unknown keys kept);
 * `undefined` when the schema must decide.
 */
export function parseCanonicalEvent(candidate: unknown): ConferenceEvent | undefined {
  if (!isPlain(candidate)) {
    return undefined;
  }
  const { event, conference_id, participant_id } = candidate;
  if (typeof event !== "string" || event.length > 64 || !EVENT_NAME.test(event)) {
    return undefined;
  }
  if (!isId(conference_id)) {
    return undefined;
  }
  if (
    participant_id !== undefined &&
    !(Number.isSafeInteger(participant_id) && (participant_id as number) >= 0)
  ) {
    return undefined;
  }
  for (const field of idFields) {
    if (candidate[field] !== undefined && !isId(candidate[field])) {
      return undefined;
    }
  }
  for (const field of textFields) {
    const value = candidate[field];
    if (value !== undefined && !(typeof value === "string" && value.length <= TEXT_MAX)) {
      return undefined;
    }
  }
  if (!stateIsCanonical(candidate)) {
    return undefined;
  }
  const custom = candidate.custom_channel_vars;
  if (custom !== undefined && !isPlain(custom)) {
    return undefined;
  }
  const channel = candidate.conference_channel_vars;
  if (channel !== undefined) {
    if (!isPlain(channel) || !stateIsCanonical(channel)) {
      return undefined;
    }
    if (channel.member_id !== undefined && !Number.isSafeInteger(channel.member_id)) {
      return undefined;
    }
  }
  // The schema's output is a fresh object at each level it describes; so is this.
  return {
    ...candidate,
    ...(custom === undefined ? {} : { custom_channel_vars: { ...custom } }),
    ...(channel === undefined ? {} : { conference_channel_vars: { ...channel } }),
  } as ConferenceEvent;
}
