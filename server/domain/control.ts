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
import type { CommandBus } from "./command-bus";
import type { ParticipantRow } from "./live-state";

/** The conference an action targets, and the account acting on it. */
export interface Target {
  conferenceId: string;
  accountId: string;
}

export interface ConferenceControl {
  conferenceAction(target: Target, action: ConferenceAction): Promise<void>;
  participantAction(
    target: Target,
    participant: ParticipantRow,
    action: ParticipantAction,
  ): Promise<void>;
  /** Starts or stops recording the conference (a meeting's `record` flag). */
  record(target: Target, action: "start" | "stop", mediaName: string): Promise<void>;
  /** Applies an action to every participant it concerns; returns their member ids. */
  bulkAction(
    target: Target,
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
  onSent,
  onKickAll,
  onKick,
}: {
  bus: CommandBus;
  appVersion: string;
  /** Told about every command once the bus confirmed it (feeds command bindings). */
  onSent?: (accountId: string, commands: ConferenceCommand[]) => void;
  /**
   * Told (and awaited) before the API kicks everyone: the meeting's end is then the host's
   * doing, recorded before the media server reports the leaves.
   */
  onKickAll?: (conferenceId: string) => void | Promise<void>;
  /** Told (and awaited) before the API kicks one call, so its leave is recorded as a kick. */
  onKick?: (conferenceId: string, callId: string) => void | Promise<void>;
}): ConferenceControl {
  const send = async (target: Target, commands: ConferenceCommand[]) => {
    await bus.publish(commands);
    onSent?.(target.accountId, commands);
  };
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
    async conferenceAction(target, action) {
      await send(target, [command(target.conferenceId, action)]);
    },
    async participantAction(target, participant, action) {
      if (action === "kick") {
        await onKick?.(target.conferenceId, participant.callId);
      }
      await send(target, [command(target.conferenceId, action, participant.participantId)]);
    },
    async record(target, action, mediaName) {
      await send(target, [
        {
          "Event-Category": "conference",
          "Event-Name": "command",
          "Application-Name": "record",
          "Conference-ID": target.conferenceId,
          Action: action,
          "Media-Name": mediaName,
          "Msg-ID": randomUUID(),
          "App-Name": "parley",
          "App-Version": appVersion,
        },
      ]);
    },
    async bulkAction(target, members, action) {
      const chosen = bulkTargets(members, action);
      if (action === "kick" && chosen.length > 0) {
        await onKickAll?.(target.conferenceId);
      }
      if (chosen.length > 0) {
        await send(
          target,
          chosen.map((p) => command(target.conferenceId, action, p.participantId)),
        );
      }
      return chosen.map((p) => p.participantId);
    },
  };
}
