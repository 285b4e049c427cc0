/**
 * Conference command messages, in Kazoo's wire shape, published on the `conference` exchange
 * with routing key `conference.command.{conference_id}` for the media server to carry out.
 * @module
 */
import type { CommandApplication } from "./actions";

/** One command, exactly as `kapps_conference_command` would publish it. */
export interface ConferenceCommand {
  "Event-Category": "conference";
  "Event-Name": "command";
  "Application-Name": CommandApplication;
  "Conference-ID": string;
  "Participant-ID"?: number;
  /** `record` only: `start` or `stop`. */
  Action?: "start" | "stop";
  /** `record` only: the file name the media server records to. */
  "Media-Name"?: string;
  "Msg-ID": string;
  "App-Name": "parley";
  "App-Version": string;
}

/** The routing key a command for this conference is published on. */
export function commandRoutingKey(conferenceId: string): string {
  return `conference.command.${conferenceId}`;
}
