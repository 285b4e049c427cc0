/**
 * Builders for inbound conference events in the wire forms parley accepts: seed 003's example
 * event (legacy `participant_event`, snake_case), its Kazoo wire-case twin, and Kazoo's current
 * `Event-Name: event` feed with the five-part routing key.
 */
import { randomBytes } from "node:crypto";

/** A fresh hex id (Kazoo-style ids for conferences, msg ids, …). */
export function hexId(bytes = 16): string {
  return randomBytes(bytes).toString("hex");
}

/** The live participant that seed 003's example event must produce, field by field. */
export function seedExampleParticipant(conferenceId: string) {
  return {
    call_id: "934800819",
    conference_name: conferenceId,
    conference_uuid: "d5765180-53d5-4104-860e-b352f3f8e6b1",
    switch_hostname: "freeswitch@freeswitch.hostedpbx",
    floor: false,
    hear: true,
    speak: true,
    talking: false,
    mute_detect: false,
    participant_id: 20,
    energy_level: 20,
    current_energy: 0,
    video: false,
    is_moderator: false,
  };
}

/** Seed 003's "Example event", verbatim, with the ids a test needs substituted. */
export function seedExampleEvent(ids: {
  accountId: string;
  conferenceId: string;
  callId?: string;
  participantId?: number;
  event?: string;
  msgId?: string;
}): Record<string, unknown> {
  return {
    custom_channel_vars: {
      account_id: ids.accountId,
      authorizing_id: "6507f40b09a61fbb8b025dbad9316eb5",
      authorizing_type: "device",
      owner_id: "32d8788da9506b4b1991d5bb86d27b0a",
      presence_id: "1000@kamailio.hostedpbx",
      fetch_id: "56507071-a216-4e0a-a28f-ff3bd9c86ac3",
      bridge_id: "934800819",
      precedence: 5,
      realm: "kamailio.hostedpbx",
      username: "sip1",
      call_interaction_id: "63635497023-3e247b2e",
    },
    channel_presence_id: "1000@kamailio.hostedpbx",
    caller_id_number: "sip1",
    caller_id_name: "sip1",
    mute_detect: false,
    video: false,
    energy_level: 20,
    current_energy: 0,
    talking: false,
    speak: true,
    hear: true,
    floor: false,
    participant_id: ids.participantId ?? 20,
    instance_id: "d5765180-53d5-4104-860e-b352f3f8e6b1",
    conference_id: ids.conferenceId,
    focus: "freeswitch@freeswitch.hostedpbx",
    call_id: ids.callId ?? "934800819",
    event: ids.event ?? "add-member",
    node: "hostedpbx_apps@jh460",
    msg_id: ids.msgId ?? hexId(8),
    event_name: "participant_event",
    event_category: "conference",
    app_version: "4.0.0",
    app_name: "ecallmgr",
    routing_key: "participant_event",
  };
}

/** The legacy routing key: `conference.event.{conference_id}.{call_id}`. */
export function legacyRoutingKey(conferenceId: string, callId: string): string {
  return `conference.event.${conferenceId}.${callId}`;
}

/** Participant state for Kazoo's current feed (`Conference-Channel-Vars`). */
export interface MemberState {
  participantId: number;
  isModerator?: boolean;
  speak?: boolean;
  hear?: boolean;
  talking?: boolean;
  floor?: boolean;
  energy?: number;
}

/** A Kazoo current-feed event (`Event-Name: event`) with its five-part routing key. */
export function currentFeedEvent(
  event: string,
  ids: { accountId: string; conferenceId: string; callId?: string; msgId?: string },
  member?: MemberState,
): { routingKey: string; body: Record<string, unknown> } {
  const callSlot = ids.callId ?? ids.conferenceId;
  const body: Record<string, unknown> = {
    "Account-ID": ids.accountId,
    "App-Name": "ecallmgr",
    "App-Version": "4.3.0",
    "Conference-ID": ids.conferenceId,
    Event: event,
    "Event-Category": "conference",
    "Event-Name": "event",
    "Instance-ID": "d5765180-53d5-4104-860e-b352f3f8e6b1",
    "Msg-ID": ids.msgId ?? hexId(8),
    Node: "ecallmgr@kz1.example.net",
  };
  if (ids.callId && member) {
    Object.assign(body, {
      "Call-ID": ids.callId,
      "Caller-ID-Name": `Caller ${member.participantId}`,
      "Caller-ID-Number": String(1000 + member.participantId),
      "Channel-Presence-ID": `${1000 + member.participantId}@kamailio.kazoo`,
      "Participant-ID": member.participantId,
      "Custom-Channel-Vars": {
        "Account-ID": ids.accountId,
        Username: `sip${member.participantId}`,
      },
      "Conference-Channel-Vars": {
        "Current-Energy": member.energy ?? 0,
        "Energy-Level": 20,
        Floor: member.floor ?? false,
        Hear: member.hear ?? true,
        "Is-Moderator": member.isModerator ?? false,
        "Member-Ghost": false,
        "Member-ID": member.participantId,
        "Mute-Detect": false,
        See: true,
        Speak: member.speak ?? true,
        Talking: member.talking ?? false,
        Video: false,
      },
    });
  }
  const encoded = encodeURIComponent(callSlot).replaceAll(".", "%2E");
  return {
    routingKey: `conference.event.${event}.${ids.accountId}.${ids.conferenceId}.${encoded}`,
    body,
  };
}

/** A small seeded PRNG (mulberry32): a generated stream is the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
