/**
 * The bare sender's webhook bodies: the same bytes parley sends, built without a store. A body
 * parley really sent (captured at set-up, see webhook-rig.ts) is the template; for each Kazoo
 * mute/unmute event the fields parley takes from the event or the clock are filled in, so the
 * bare sender parses, renders and signs as much as parley does and its bodies have the same size.
 */
import { createHmac, randomBytes } from "node:crypto";

type Json = Record<string, unknown>;

/** A native (Dyte-style) body parley sent, parsed: `{ type, timestamp, data: { meeting, participant } }`. */
export interface BodyTemplate {
  type: string;
  timestamp: string;
  data: Json & { meeting: Json; participant: Json };
}

/** The Kazoo events that become webhooks in the webhook scenarios, by their native type. */
export const nativeTypeOf: Record<string, string> = {
  "mute-member": "meeting.participantMuted",
  "unmute-member": "meeting.participantUnmuted",
};

/** Parses a captured body; throws when it is not the native shape the template relies on. */
export function parseTemplate(body: string): BodyTemplate {
  const parsed = JSON.parse(body) as Partial<BodyTemplate>;
  if (!parsed.data?.meeting || !parsed.data.participant || typeof parsed.type !== "string") {
    throw new Error(`captured webhook body is not a native meeting event: ${body.slice(0, 200)}`);
  }
  return parsed as BodyTemplate;
}

/**
 * The body parley would send for `event` (a parsed Kazoo current-feed event) at `at`; undefined
 * for an event that makes no webhook. Fields parley fills from elsewhere (the account's name, the
 * run's start) keep the template's values, which have the same length.
 */
export function nativeBody(template: BodyTemplate, event: Json, at: number): string | undefined {
  const type = nativeTypeOf[String(event.Event)];
  if (!type) {
    return undefined;
  }
  const conference = String(event["Conference-ID"]);
  const number = String(event["Caller-ID-Number"] ?? event["Call-ID"]);
  return JSON.stringify({
    ...template,
    type,
    timestamp: new Date(at).toISOString(),
    data: {
      ...template.data,
      event: type,
      meeting: {
        ...template.data.meeting,
        id: conference,
        sessionId: String(event["Instance-ID"] ?? conference),
        title: conference,
      },
      participant: {
        ...template.data.participant,
        peerId: String(event["Call-ID"]),
        userDisplayName: String(event["Caller-ID-Name"] ?? number),
        clientSpecificId: number,
        customParticipantId: number,
      },
    },
  });
}

/** A new Standard Webhooks secret, as parley makes them: `whsec_` + base64 of 32 random bytes. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** The signing key of a `whsec_` secret. */
export function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
}

/** This process's prefix of delivery ids: unique across runs without entropy per delivery. */
const idPrefix = randomBytes(6).toString("hex");
let idCounter = 0;

/** Standard Webhooks headers for one delivery of `body`, signed with `key` (HMAC-SHA256). */
export function signedHeaders(key: Buffer, body: string, at: number): Record<string, string> {
  idCounter += 1;
  // The same length as parley's ids (`msg_` + 24 hex digits).
  const id = `msg_${idPrefix}${idCounter.toString(16).padStart(12, "0")}`;
  const timestamp = Math.floor(at / 1000);
  const mac = createHmac("sha256", key)
    .update(`${id}.${timestamp}.`)
    .update(body, "utf8")
    .digest("base64");
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": `v1,${mac}`,
    "user-agent": "bare/0.1.0",
    "content-length": String(Buffer.byteLength(body)),
  };
}
