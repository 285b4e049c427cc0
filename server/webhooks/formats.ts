/**
 * Delivery bodies, one function per format:
 * - `native`: `{"type", "timestamp", "data"}` with seed 001's payloads;
 * - `bbb`: exactly what bbb-webhooks posts (form-encoded `domain`, `event` = a one-element JSON
 *   array of seed 000's JSON:API event, `timestamp`), one request per bbb event;
 * - `raw`: the normalised AMQP event the webhook event came from.
 * Bodies are a pure function of the stored event, so every retry sends the same bytes.
 * @module
 */
import type { WebhookFormat } from "../../protocol/webhooks";
import type { OutboundEvent } from "./derive";

/** The bbb-webhooks event ids each native type becomes (none: the type has no bbb equivalent). */
const bbbIds: Record<string, string[]> = {
  "meeting.started": ["meeting-created"],
  "meeting.ended": ["meeting-ended"],
  "meeting.participantJoined": ["user-joined", "user-audio-voice-enabled"],
  "meeting.participantLeft": ["user-audio-voice-disabled", "user-left"],
  "meeting.participantMuted": ["user-audio-muted"],
  "meeting.participantUnmuted": ["user-audio-unmuted"],
  "webhook.ping": ["webhook-ping"],
};

/** Native types producing any of these bbb event ids (for bbb-webhooks' `eventID` filter). */
export function nativeTypesFor(bbbEventIds: readonly string[]): string[] {
  const types = Object.entries(bbbIds)
    .filter(([type, ids]) => type !== "webhook.ping" && ids.some((id) => bbbEventIds.includes(id)))
    .map(([type]) => type);
  if (bbbEventIds.some((id) => id.startsWith("chat-"))) {
    types.push("meeting.chatMessage");
  }
  if (bbbEventIds.some((id) => id.startsWith("rap-"))) {
    types.push("recording.statusUpdate");
  }
  return types;
}

/** The bbb event ids one event becomes: fixed per type, or from its chat type or RAP step. */
export function bbbIdsOf(event: Pick<OutboundEvent, "type" | "extra">): string[] {
  if (event.type === "meeting.chatMessage") {
    return [
      event.extra.chatType === "PRIVATE_CHAT"
        ? "chat-private-message-sent"
        : "chat-public-message-sent",
    ];
  }
  if (event.type === "recording.statusUpdate") {
    const step = event.extra.rapStep;
    return typeof step === "string" ? [`rap-${step.replaceAll("_", "-")}`] : [];
  }
  return bbbIds[event.type] ?? [];
}

/**
 * Which bodies an event makes in a format (none: the subscription gets nothing for it); for bbb,
 * `only` keeps just the listed bbb event ids.
 */
export function variantsOf(
  format: WebhookFormat,
  event: Pick<OutboundEvent, "type" | "extra">,
  only?: readonly string[] | null,
): number[] {
  if (format !== "bbb") {
    return [0];
  }
  return bbbIdsOf(event).flatMap((id, index) => (only && !only.includes(id) ? [] : [index]));
}

export interface RenderedBody {
  contentType: string;
  body: string;
  /** The event id inside the body (bbb) or the native type, for the delivery log. */
  label: string;
}

/** Java's `Date.toString()` in UTC, as BigBlueButton prints `create-date`. */
function javaDate(ms: number): string {
  const d = new Date(ms);
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
  ];
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

type Json = Record<string, unknown>;

/** Seed 000's JSON:API event for one bbb id. */
export function bbbEvent(event: OutboundEvent, bbbId: string): Json {
  const meeting = event.data.meeting as Json | undefined;
  if (!meeting) {
    return { data: { type: "event", id: bbbId, attributes: { event: { ts: event.occurredAt } } } };
  }
  const participant = event.data.participant as Json | undefined;
  const ids = {
    "external-meeting-id": meeting.id,
    "internal-meeting-id": meeting.sessionId,
  };
  const user = participant && {
    "internal-user-id": participant.peerId,
    "external-user-id": participant.customParticipantId,
  };
  const startedAt = Date.parse(String(meeting.startedAt));
  const number = event.extra.number;
  const attributes: Json =
    bbbId === "meeting-created"
      ? {
          meeting: {
            name: meeting.title,
            ...ids,
            "is-breakout": false,
            duration: 0,
            "create-time": startedAt,
            "create-date": javaDate(startedAt),
            "moderator-pass": "",
            "viewer-pass": "",
            recorded: false,
            record: false,
            "voice-conf": typeof number === "string" && /^\d+$/.test(number) ? Number(number) : "",
            "dial-number": typeof number === "string" ? number : "",
            "max-users": 0,
            metadata: {},
          },
        }
      : bbbId === "user-joined"
        ? {
            meeting: ids,
            user: {
              name: participant?.userDisplayName,
              role: event.extra.isModerator ? "MODERATOR" : "VIEWER",
              presenter: false,
              ...user,
              "sharing-mic": true,
              "sharing-video": false,
              "listening-only": false,
            },
          }
        : bbbId.startsWith("chat-")
          ? { meeting: ids, "chat-message": chatMessageOf(event) }
          : { meeting: ids, ...(user ? { user } : {}) };
  return {
    data: {
      type: "event",
      id: bbbId,
      attributes: { ...attributes, event: { ts: event.occurredAt } },
    },
  };
}

/** Seed 000's `chat-message`: the text, its sender and, for a private chat, its receiver. */
function chatMessageOf(event: OutboundEvent): Json {
  const chat = event.data.chatMessage as Json;
  const sender = chat.sender as Json;
  const extra = event.extra;
  return {
    message: chat.message,
    sender: {
      "internal-user-id": sender.callId ?? extra.fromUserId,
      "external-user-id": extra.fromUserId,
      "timezone-offset": extra.timezoneOffset ?? "0",
      time: extra.time ?? String(event.occurredAt),
    },
    ...(extra.toUserId && extra.chatType === "PRIVATE_CHAT"
      ? { receiver: { "internal-user-id": extra.toUserId, "external-user-id": extra.toUserId } }
      : {}),
  };
}

export function render(
  format: WebhookFormat,
  event: OutboundEvent,
  variant: number,
  domain: string,
): RenderedBody {
  switch (format) {
    case "native":
      return {
        contentType: "application/json",
        label: event.type,
        body: JSON.stringify({
          type: event.type,
          timestamp: new Date(event.occurredAt).toISOString(),
          data: event.data,
        }),
      };
    case "raw":
      return {
        contentType: "application/json",
        label: event.type,
        body: JSON.stringify(
          event.raw ?? {
            type: event.type,
            timestamp: new Date(event.occurredAt).toISOString(),
            data: event.data,
          },
        ),
      };
    case "bbb": {
      const bbbId = bbbIdsOf(event)[variant] ?? event.type;
      const form = new URLSearchParams();
      form.set("domain", domain);
      form.set("event", JSON.stringify([bbbEvent(event, bbbId)]));
      form.set("timestamp", String(event.occurredAt));
      return {
        contentType: "application/x-www-form-urlencoded;charset=UTF-8",
        label: bbbId,
        body: form.toString(),
      };
    }
  }
}
