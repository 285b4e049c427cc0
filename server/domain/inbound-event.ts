/**
 * What a media server told parley, as the domain receives it: decoded, validated and normalised
 * by the adapter that read the wire (`server/amqp/decode-*.ts`), never raw bytes. Conference
 * events drive the live state; the other kinds (recordings, chat, livestreams, transcripts) are
 * "side" events stored beside it.
 * @module
 */
import type { z } from "zod";
import type { ConferenceEvent } from "../../protocol/events";
import type {
  chatEvent,
  livestreamEvent,
  recordingEvent,
  transcriptEvent,
} from "../../protocol/meetings";

/** A decoded conference event, ready to apply. */
export interface DecodedEvent {
  routingKey: string;
  /** The message's `Msg-ID`, or one derived from its content. */
  msgId: string;
  /** Content digest: a redelivery has the same `msgId` and `digest`. */
  digest: string;
  event: ConferenceEvent;
  /** `call_id`, from the body or the routing key; absent for conference-level events. */
  callId: string | undefined;
  /** The account the message names, if it names one. */
  claimedAccountId: string | undefined;
  /** Normalised body as subscribers receive it (`node` and `server_id` removed). */
  data: Record<string, unknown>;
}

/** The validated payload of each side-event kind. */
export interface SidePayloads {
  recording: z.output<typeof recordingEvent>;
  chat: z.output<typeof chatEvent>;
  livestream: z.output<typeof livestreamEvent>;
  transcript: z.output<typeof transcriptEvent>;
}

export type SideCategory = keyof SidePayloads;

/** A decoded side event, ready to apply. */
export type DecodedSideEvent = {
  [C in SideCategory]: {
    category: C;
    routingKey: string;
    msgId: string;
    digest: string;
    conferenceId: string;
    /** The recording, call or stream the key names (absent for transcripts). */
    subjectId: string | undefined;
    claimedAccountId: string | undefined;
    data: Record<string, unknown>;
    payload: SidePayloads[C];
  };
}[SideCategory];

/** One inbound message after decoding: an event of either kind, or why it cannot be read. */
export type InboundEvent =
  | { kind: "conference"; value: DecodedEvent }
  | { kind: "side"; value: DecodedSideEvent }
  | { kind: "refused"; reason: string };
