/**
 * Turns one raw inbound message into a validated, normalised conference event, or a reason to
 * dead-letter it: both of Kazoo's feeds (seed 003's `conference.event.{conference}.{call}` and
 * the current `conference.event.{event}.{account}.{conference}.{call}`), its hyphen-case keys,
 * JSON. The adapters call it as a message arrives; the domain only sees the result. Pure.
 * @module
 */
import { createHash } from "node:crypto";
import { parseCanonicalEvent } from "../../protocol/event-fast-path";
import {
  type ConferenceEvent,
  conferenceEvent,
  conferenceLevelEvents,
  flagsForcedBy,
  MAX_EVENT_BYTES,
  normalizeKeys,
  parseEventRoutingKey,
  participantFlagDefaults,
  participantFlags,
} from "../../protocol/events";
import { dottedPath } from "../../protocol/validation";
import type { DecodedEvent } from "../domain/inbound-event";
import { isPlainObject } from "../domain/merge";

export type DecodeResult = { ok: true; value: DecodedEvent } | { ok: false; reason: string };

/** Fields Kazoo's `kz_api:public_fields` removes before pushing an event to a client. */
const privateFields = ["node", "server_id"];

/**
 * The checks every inbound message passes, whatever its kind: size, routing key, a JSON object;
 * then its keys normalised. `parseKey` reads the routing key (undefined: not one parley knows).
 */
export function readInbound<K>(
  routingKey: string,
  body: Buffer,
  parseKey: (routingKey: string) => K | undefined,
): { ok: true; key: K; normalized: Record<string, unknown> } | { ok: false; reason: string } {
  if (body.length > MAX_EVENT_BYTES) {
    return {
      ok: false,
      reason: `message too large: ${body.length} bytes (limit ${MAX_EVENT_BYTES})`,
    };
  }
  const key = parseKey(routingKey);
  if (!key) {
    return { ok: false, reason: `unrecognised routing key: ${routingKey.slice(0, 200)}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString("utf8"));
  } catch {
    return { ok: false, reason: "body is not valid JSON" };
  }
  if (!isPlainObject(raw)) {
    return { ok: false, reason: "body is not a JSON object" };
  }
  return { ok: true, key, normalized: normalizeKeys(raw) as Record<string, unknown> };
}

/** A conference event (`conference.event.…`), or why it is refused. */
export function decodeEvent(routingKey: string, body: Buffer): DecodeResult {
  const read = readInbound(routingKey, body, parseEventRoutingKey);
  if (!read.ok) {
    return read;
  }
  const { key, normalized } = read;
  const candidate = {
    ...normalized,
    event: normalized.event ?? key.event,
    conference_id: normalized.conference_id ?? key.conferenceId,
  };
  // Kazoo's events take the hand-written fast path; the schema converts and explains the rest.
  let event = parseCanonicalEvent(candidate);
  if (!event) {
    const parsed = conferenceEvent.safeParse(candidate);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .slice(0, 5)
        .map((issue) => `${dottedPath(issue.path) || "body"}: ${issue.message}`);
      return { ok: false, reason: `invalid event: ${problems.join("; ")}` };
    }
    event = parsed.data;
  }
  const conferenceLevel = conferenceLevelEvents.has(event.event);
  const callId = event.call_id ?? (conferenceLevel ? undefined : key.callId);
  if (!conferenceLevel && !callId) {
    return { ok: false, reason: "invalid event: call_id is required" };
  }
  const ccvAccount = event.custom_channel_vars?.account_id;
  const claimedAccountId =
    (typeof ccvAccount === "string" && ccvAccount) || event.account_id || key.accountId;
  const digest = createHash("sha1").update(routingKey).update("\n").update(body).digest("hex");
  const data = { ...normalized };
  for (const field of privateFields) {
    delete data[field];
  }
  if (!conferenceLevel && data.conference_channel_vars === undefined) {
    data.conference_channel_vars = channelVarsOf(event);
  }
  return {
    ok: true,
    value: {
      routingKey,
      msgId: event.msg_id ?? `parley-${digest.slice(0, 24)}`,
      digest,
      event,
      callId,
      claimedAccountId: claimedAccountId || undefined,
      data,
    },
  };
}

/**
 * `conference_channel_vars` for an event in the legacy flat form, so every pushed participant
 * event carries the nested state Kazoo's current feed has (Monster UI's conference viewer reads
 * `is_moderator`, `speak`, `hear` and `talking` only from there): the flat fields, the flag the
 * event name sets, else the defaults.
 */
function channelVarsOf(event: ConferenceEvent): Record<string, unknown> {
  const forced = flagsForcedBy[event.event] ?? {};
  const vars: Record<string, unknown> = {};
  for (const flag of participantFlags) {
    vars[flag] =
      forced[flag as keyof typeof forced] ?? event[flag] ?? participantFlagDefaults[flag];
  }
  if (event.energy_level !== undefined) {
    vars.energy_level = event.energy_level;
  }
  if (event.current_energy !== undefined) {
    vars.current_energy = event.current_energy;
  }
  if (event.participant_id !== undefined) {
    vars.member_id = event.participant_id;
  }
  return vars;
}
