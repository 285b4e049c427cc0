/**
 * Operator control: turns API actions into Kazoo command messages and hands them to the command
 * bus. A bulk action publishes all its commands at once (pipelined confirms), and answers only
 * after every one is confirmed.
 * @module
 */
import { randomUUID } from "node:crypto";
import {
  applicationNameOf,
  type ConferenceAction,
  type ParticipantAction,
} from "../../protocol/actions";
import type { ConferenceCommand } from "../../protocol/commands";
import type { CommandBus } from "../amqp/command-bus";
import type { ParticipantRow } from "./live-state";

export interface ConferenceControl {
  conferenceAction(conferenceId: string, action: ConferenceAction): Promise<void>;
  participantAction(
    conferenceId: string,
    participant: ParticipantRow,
    action: ParticipantAction,
  ): Promise<void>;
  /** Applies an action to every participant it concerns; returns their member ids. */
  bulkAction(
    conferenceId: string,
    members: ParticipantRow[],
    action: ParticipantAction,
  ): Promise<number[]>;
}

/**
 * Which participants a bulk action touches: moderators are spared everything but `kick`
 * (seed 003: "kick every participant out"), and only those whose state would change are sent.
 */
export function bulkTargets(
  members: ParticipantRow[],
  action: ParticipantAction,
): ParticipantRow[] {
  switch (action) {
    case "kick":
      return members;
    case "mute":
      return members.filter((p) => !p.isModerator && p.speak);
    case "unmute":
      return members.filter((p) => !p.isModerator && !p.speak);
    case "deaf":
      return members.filter((p) => !p.isModerator && p.hear);
    case "undeaf":
      return members.filter((p) => !p.isModerator && !p.hear);
  }
}

export function createConferenceControl({
  bus,
  appVersion,
}: {
  bus: CommandBus;
  appVersion: string;
}): ConferenceControl {
  const command = (
    conferenceId: string,
    action: ConferenceAction | ParticipantAction,
    participantId?: number,
  ): ConferenceCommand => ({
    "Event-Category": "conference",
    "Event-Name": "command",
    "Application-Name": applicationNameOf[action],
    "Conference-ID": conferenceId,
    ...(participantId === undefined ? {} : { "Participant-ID": participantId }),
    "Msg-ID": randomUUID(),
    "App-Name": "parley",
    "App-Version": appVersion,
  });

  return {
    async conferenceAction(conferenceId, action) {
      await bus.publish([command(conferenceId, action)]);
    },
    async participantAction(conferenceId, participant, action) {
      await bus.publish([command(conferenceId, action, participant.participantId)]);
    },
    async bulkAction(conferenceId, members, action) {
      const targets = bulkTargets(members, action);
      if (targets.length > 0) {
        await bus.publish(targets.map((p) => command(conferenceId, action, p.participantId)));
      }
      return targets.map((p) => p.participantId);
    },
  };
}
