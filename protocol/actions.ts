/**
 * The operator actions of seed 003 and the Kazoo command each one becomes.
 * @module
 */

/** Actions on a whole conference: `PUT /conferences/{C}`. */
export const conferenceActions = ["lock", "unlock"] as const;
export type ConferenceAction = (typeof conferenceActions)[number];

/** Actions on one participant, or in bulk on `/participants`. */
export const participantActions = ["mute", "unmute", "deaf", "undeaf", "kick"] as const;
export type ParticipantAction = (typeof participantActions)[number];

/** Kazoo's `Application-Name` for each action. */
export const applicationNameOf = {
  lock: "lock",
  unlock: "unlock",
  mute: "mute_participant",
  unmute: "unmute_participant",
  deaf: "deaf_participant",
  undeaf: "undeaf_participant",
  kick: "kick",
} as const satisfies Record<ConferenceAction | ParticipantAction, string>;

/** `Application-Name` values parley sends on `conference.command.{conference_id}`. */
export type CommandApplication =
  | (typeof applicationNameOf)[keyof typeof applicationNameOf]
  /** Start or stop recording the conference (meetings' `record` flag). */
  | "record";

export function isConferenceAction(value: unknown): value is ConferenceAction {
  return (conferenceActions as readonly unknown[]).includes(value);
}

export function isParticipantAction(value: unknown): value is ParticipantAction {
  return (participantActions as readonly unknown[]).includes(value);
}
