/**
 * What a pushed event means for the page: which participant it is about, which flags it sets,
 * whether the conference list or the open conference must be re-read. Pure functions over the
 * frame, with the event tables from protocol/ so the page and the ingest agree on them.
 * @module
 */
import { conferenceLevelEvents, flagsForcedBy, forcedFlags } from "../../protocol/event-tables";
import type { Participant } from "./api";

/** The normalised event (`data`) of a pushed frame. */
export type FeedEvent = Record<string, unknown>;

/** Joins and leaves: the participant list changes shape, so it is read again. */
const membershipEvents: ReadonlySet<string> = new Set(["add-member", "del-member"]);

/** The event's name (`add-member`, …), or "" when the frame has none. */
export function eventName(data: FeedEvent): string {
  return typeof data.event === "string" ? data.event : "";
}

/** The conference an event is about. */
export function conferenceIdOf(data: FeedEvent): string | undefined {
  return typeof data.conference_id === "string" ? data.conference_id : undefined;
}

/** The participant an event is about: the flat id (legacy feed) or Kazoo's `member_id`. */
export function participantIdOf(data: FeedEvent): number | undefined {
  return integer(data.participant_id) ?? integer(channelVars(data).member_id);
}

/** Joins, leaves, locks and conference starts and ends change the rows of the conference list. */
export function changesConferenceList(data: FeedEvent): boolean {
  const name = eventName(data);
  return membershipEvents.has(name) || conferenceLevelEvents.has(name);
}

/** A join or a leave: the open conference's participants are read again. */
export function changesMembership(data: FeedEvent): boolean {
  return membershipEvents.has(eventName(data));
}

/**
 * Applies an event to a known participant in place: the flag its name forces wins (a
 * `mute-member` mutes whatever else it says), else the state it carries, else no change.
 */
export function applyFlags(participant: Participant, data: FeedEvent): void {
  const forced = flagsForcedBy[eventName(data)] ?? {};
  const vars = channelVars(data);
  for (const flag of forcedFlags) {
    const value = forced[flag] ?? boolean(vars[flag]) ?? boolean(data[flag]);
    if (value !== undefined) {
      participant[flag] = value;
    }
  }
}

/**
 * What an event says about the conference as a whole: whether it is locked now, and whether a
 * media server is running it (a join means it is, its destruction that it is not). Each field is
 * undefined when the event does not say.
 */
export function conferenceStateOf(data: FeedEvent): { locked?: boolean; running?: boolean } {
  switch (eventName(data)) {
    case "lock":
      return { locked: true };
    case "unlock":
      return { locked: false };
    case "conference-create":
    case "add-member":
      return { running: true };
    case "conference-destroy":
      return { running: false, locked: false };
    default:
      return {};
  }
}

/** Who a participant event is about: the caller's name, else number, else "A caller". */
export function callerOf(data: FeedEvent): string {
  for (const key of ["caller_id_name", "caller_id_number"]) {
    const value = data[key];
    if (typeof value === "string" && value.trim() !== "") {
      return value.trim();
    }
  }
  return "A caller";
}

/** Sentences for participant events: `{who}` and `{conference}` are filled in. */
const participantSentences: Readonly<Record<string, string>> = {
  "add-member": "{who} joined {conference}",
  "del-member": "{who} left {conference}",
  "kick-member": "{who} was kicked from {conference}",
  "start-talking": "{who} started talking in {conference}",
  "stop-talking": "{who} stopped talking in {conference}",
  "mute-member": "{who} was muted in {conference}",
  "unmute-member": "{who} was unmuted in {conference}",
  "deaf-member": "{who} was deafened in {conference}",
  "undeaf-member": "{who} can hear again in {conference}",
};

/** Sentences for events about the conference itself. */
const conferenceSentences: Readonly<Record<string, string>> = {
  lock: "{conference} was locked",
  unlock: "{conference} was unlocked",
  "conference-create": "{conference} started",
  "conference-destroy": "{conference} ended",
};

/**
 * One readable sentence for the event log ("Ada joined Daily standup", "Daily standup was
 * locked"), naming the conference by `labelOf` (its name, not its id). An event the console has
 * no sentence for still says what happened and where.
 */
export function describeEvent(data: FeedEvent, labelOf: (conferenceId: string) => string): string {
  const name = eventName(data);
  const id = conferenceIdOf(data);
  const conference = id === undefined ? "a conference" : labelOf(id);
  const isCall = typeof data.call_id === "string" && data.call_id !== id;
  const sentence =
    (isCall ? participantSentences[name] : undefined) ??
    conferenceSentences[name] ??
    (isCall
      ? `{who}: ${name || "an event"} in {conference}`
      : `${name || "an event"} in {conference}`);
  // Replaced by functions: a caller named "$&" is shown as such, not as a replacement pattern.
  return sentence
    .replace("{who}", () => (isCall ? callerOf(data) : ""))
    .replace("{conference}", () => conference);
}

/** Kazoo's current feed nests the participant's state here; parley adds it to legacy events. */
function channelVars(data: FeedEvent): Record<string, unknown> {
  const vars = data.conference_channel_vars;
  return typeof vars === "object" && vars !== null ? (vars as Record<string, unknown>) : {};
}

function boolean(value: unknown): boolean | undefined {
  return typeof value === "boolean" ? value : undefined;
}

function integer(value: unknown): number | undefined {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) ? n : undefined;
}
