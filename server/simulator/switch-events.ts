/**
 * What the simulated media server says, on Kazoo's current conference feed as ecallmgr
 * publishes it: routing key `conference.event.{event}.{account}.{conference}.{call}` (the
 * conference id in the call slot for conference-level events), hyphen-case body, the caller's
 * state in `Conference-Channel-Vars`. Also the rooms and callers the simulator keeps.
 * @module
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { SimulatedCaller, SimulatedRoom } from "./search-answer";

export interface Caller extends SimulatedCaller {
  /** Whether the caller is speaking now (voice detection turns it into `talking` later). */
  speaking: boolean;
  /** When the current speech burst or silence ends (ms since epoch). */
  until: number;
  /** When voice detection flips `talking` (start ~100 ms in, stop ~800 ms after silence). */
  flipAt: number | undefined;
}

export interface Room extends SimulatedRoom {
  nextMember: number;
  callers: Map<number, Caller>;
}

/** A room nobody has joined yet. */
export function emptyRoom(id: string): Room {
  return {
    id,
    instanceId: randomUUID(),
    nextMember: 0,
    callers: new Map(),
    locked: false,
    running: false,
    startedAt: 0,
  };
}

const HOST = "sim.parley.local";

/**
 * The message for `event` in `room` (about `caller`, for participant events). `energy` is the
 * caller's current energy while talking.
 */
export function switchEvent(
  accountId: string,
  room: Room,
  event: string,
  caller: Caller | undefined,
  energy: number,
): { routingKey: string; body: Record<string, unknown> } {
  const body: Record<string, unknown> = {
    "Account-ID": accountId,
    "App-Name": "ecallmgr",
    "App-Version": "4.3.0",
    "Conference-ID": room.id,
    Event: event,
    "Event-Category": "conference",
    "Event-Name": "event",
    "Instance-ID": room.instanceId,
    "Msg-ID": randomBytes(8).toString("hex"),
    Node: `ecallmgr@${HOST}`,
  };
  if (caller) {
    Object.assign(body, callerFields(accountId, caller, energy));
  }
  const segment = encodeURIComponent(caller?.callId ?? room.id).replaceAll(".", "%2E");
  return { routingKey: `conference.event.${event}.${accountId}.${room.id}.${segment}`, body };
}

function callerFields(accountId: string, caller: Caller, energy: number) {
  return {
    "Call-ID": caller.callId,
    "Caller-ID-Name": caller.name,
    "Caller-ID-Number": caller.number,
    "Channel-Presence-ID": `${caller.number}@${HOST}`,
    "Participant-ID": caller.memberId,
    "Custom-Channel-Vars": {
      "Account-ID": accountId,
      "Presence-ID": `${caller.number}@${HOST}`,
      Username: caller.name.toLowerCase(),
      Realm: HOST,
    },
    "Conference-Channel-Vars": {
      "Current-Energy": caller.talking ? energy : 0,
      "Energy-Level": 20,
      Floor: caller.talking,
      Hear: caller.hear,
      "Is-Moderator": caller.moderator,
      "Member-Ghost": false,
      "Member-ID": caller.memberId,
      "Mute-Detect": false,
      See: true,
      Speak: caller.speak,
      Talking: caller.talking,
      Video: false,
    },
  };
}
