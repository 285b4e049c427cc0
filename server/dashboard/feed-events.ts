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

/** One line for the event log: the event, the conference and, for a call, who. */
export function describeEvent(data: FeedEvent): string {
  const who = typeof data.caller_id_name === "string" ? data.caller_id_name : data.call_id;
  const call = data.call_id ? ` ${String(who)}` : "";
  return `${eventName(data)} ${String(data.conference_id)}${call}`;
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
