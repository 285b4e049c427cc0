/**
 * The simulator's answer to a conference `search_req`, built from its own rooms exactly as
 * ecallmgr builds it (`ecallmgr_fs_conferences:handle_search_req`): a conference search gets a
 * `search_resp` with `Participants`, or an `error` "Conference … not found"; an account search
 * gets a `search_resp` whose `Conferences` (possibly `{}`) are keyed by conference id.
 * @module
 */
import { GREGORIAN_OFFSET } from "../domain/ids";

/** A caller as the simulator keeps it. */
export interface SimulatedCaller {
  callId: string;
  memberId: number;
  name: string;
  number: string;
  moderator: boolean;
  speak: boolean;
  hear: boolean;
  talking: boolean;
  /** Unix milliseconds. */
  joinedAt: number;
}

/** A running room as the simulator keeps it. */
export interface SimulatedRoom {
  id: string;
  instanceId: string;
  running: boolean;
  locked: boolean;
  /** Unix milliseconds. */
  startedAt: number;
  callers: Map<number, SimulatedCaller>;
}

const HOSTNAME = "sim.parley.local";
const gregorian = (unixMs: number) => Math.floor(unixMs / 1000) + GREGORIAN_OFFSET;

function headers(request: Record<string, unknown>, eventName: string) {
  return {
    "App-Name": "ecallmgr",
    "App-Version": "4.3.0",
    "Event-Category": "conference",
    "Event-Name": eventName,
    "Msg-ID": request["Msg-ID"] ?? "",
    Node: `ecallmgr@${HOSTNAME}`,
  };
}

function participantOf(room: SimulatedRoom, caller: SimulatedCaller, accountId: string) {
  return {
    "Call-ID": caller.callId,
    "Caller-ID-Name": caller.name,
    "Caller-ID-Number": caller.number,
    "Conference-Channel-Vars": {
      "Energy-Level": 20,
      Floor: caller.talking,
      Hear: caller.hear,
      "Is-Moderator": caller.moderator,
      "Member-Ghost": false,
      "Member-ID": caller.memberId,
      "Member-Type": caller.moderator ? "moderator" : "member",
      "Mute-Detect": false,
      See: true,
      Speak: caller.speak,
      Talking: caller.talking,
      Video: false,
    },
    "Conference-Name": room.id,
    "Conference-UUID": room.instanceId,
    "Custom-Application-Vars": {},
    "Custom-Channel-Vars": { "Account-ID": accountId },
    "Join-Time": gregorian(caller.joinedAt),
    "Participant-ID": caller.memberId,
    "Switch-Hostname": HOSTNAME,
  };
}

/** What both searches tell about a room (`Run-Time`, `UUID`, the switch). */
function runOf(room: SimulatedRoom, now: number) {
  return {
    "Participant-Count": room.callers.size,
    "Run-Time": Math.floor((now - room.startedAt) / 1000),
    "Start-Time": gregorian(room.startedAt),
    "Switch-External-IP": "203.0.113.10",
    "Switch-Hostname": HOSTNAME,
    "Switch-URL": `sip:mod_sofia@${HOSTNAME}:11000`,
    UUID: room.instanceId,
  };
}

/** A room in an account search's `Conferences` (`conference_resp/1`). */
function summaryOf(room: SimulatedRoom, now: number) {
  const moderators = [...room.callers.values()].filter((c) => c.moderator).length;
  return {
    "Is-Locked": room.locked,
    Members: room.callers.size - moderators,
    Moderators: moderators,
    ...runOf(room, now),
  };
}

/**
 * The answer to `request` from `rooms`, or `undefined` when it is not a search.
 */
export function answerSearch(
  request: Record<string, unknown>,
  rooms: Iterable<SimulatedRoom>,
  accountId: string,
  now = Date.now(),
): Record<string, unknown> | undefined {
  if (request["Event-Name"] !== "search_req") {
    return undefined;
  }
  const running = [...rooms].filter((room) => room.running && room.callers.size > 0);
  const conferenceId = request["Conference-ID"];
  if (typeof conferenceId === "string" && conferenceId) {
    const room = running.find((r) => r.id === conferenceId);
    if (!room) {
      return {
        ...headers(request, "error"),
        "Conference-ID": conferenceId,
        "Error-Message": `Conference ${conferenceId} not found`,
        Request: request,
      };
    }
    return {
      ...headers(request, "search_resp"),
      "Conference-ID": room.id,
      Locked: room.locked,
      Participants: [...room.callers.values()].map((c) => participantOf(room, c, accountId)),
      ...runOf(room, now),
      Zone: "local",
    };
  }
  const account = request["Account-ID"];
  if (typeof account !== "string" || !account) {
    return undefined;
  }
  // ecallmgr answers every account: `Conferences` is `{}` when it runs nothing for it.
  const mine = account === accountId ? running : [];
  return {
    ...headers(request, "search_resp"),
    "Account-ID": account,
    Conferences: Object.fromEntries(mine.map((room) => [room.id, summaryOf(room, now)])),
  };
}
