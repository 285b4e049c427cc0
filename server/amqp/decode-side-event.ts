/**
 * Decodes the inbound events that are not conference events: recording status, chat messages,
 * livestream status and transcripts. Same rules as conference events: size limit, JSON object,
 * normalised keys, validated against `protocol/meetings.ts`, a reason when refused.
 * @module
 */
import { createHash } from "node:crypto";
import { decodeSegment } from "../../protocol/events";
import {
  chatEvent,
  livestreamEvent,
  recordingEvent,
  transcriptEvent,
} from "../../protocol/meetings";
import { dottedPath } from "../../protocol/validation";
import type { DecodedSideEvent, SideCategory } from "../domain/inbound-event";
import { isPlainObject } from "../domain/merge";
import { readInbound } from "./decode-event";

const schemas = {
  recording: recordingEvent,
  chat: chatEvent,
  livestream: livestreamEvent,
  transcript: transcriptEvent,
} as const satisfies Record<SideCategory, unknown>;

/** BigBlueButton's camelCase chat fields, lower-cased by normalisation, to parley's names. */
const chatAliases: Record<string, string> = {
  fromuserid: "from_user_id",
  fromusername: "from_username",
  touserid: "to_user_id",
  tousername: "to_username",
  chattype: "chat_type",
  fromtime: "from_time",
  fromtimezoneoffset: "from_timezone_offset",
};

/** `recording.event.{conference}.{recording}`, … → category, conference and subject. */
export function parseSideRoutingKey(
  routingKey: string,
): { category: SideCategory; conferenceId: string; subjectId: string | undefined } | undefined {
  const parts = routingKey.split(".");
  const [category, kind, conference, subject] = parts;
  if (kind !== "event" || !conference || !(category && category in schemas)) {
    return undefined;
  }
  const expected = category === "transcript" ? 3 : 4;
  if (parts.length !== expected || (expected === 4 && !subject)) {
    return undefined;
  }
  return {
    category: category as SideCategory,
    conferenceId: decodeSegment(conference),
    subjectId: subject ? decodeSegment(subject) : undefined,
  };
}

/** A recording, chat, livestream or transcript event, or why it is refused. */
export function decodeSideEvent(
  routingKey: string,
  body: Buffer,
): { ok: true; value: DecodedSideEvent } | { ok: false; reason: string } {
  const read = readInbound(routingKey, body, parseSideRoutingKey);
  if (!read.ok) {
    return read;
  }
  const { key, normalized } = read;
  if (key.category === "chat") {
    for (const [alias, name] of Object.entries(chatAliases)) {
      if (normalized[alias] !== undefined && normalized[name] === undefined) {
        normalized[name] = normalized[alias];
      }
    }
  }
  const parsed = schemas[key.category].safeParse(normalized);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${dottedPath(issue.path) || "body"}: ${issue.message}`);
    return { ok: false, reason: `invalid ${key.category} event: ${problems.join("; ")}` };
  }
  const ccv = normalized.custom_channel_vars;
  const ccvAccount = isPlainObject(ccv) ? ccv.account_id : undefined;
  const claimed = [ccvAccount, normalized.account_id].find((v) => typeof v === "string" && v);
  const digest = createHash("sha1").update(routingKey).update("\n").update(body).digest("hex");
  const { node: _node, server_id: _server, ...data } = normalized;
  const msgId =
    typeof normalized.msg_id === "string" && normalized.msg_id
      ? normalized.msg_id
      : `parley-${digest.slice(0, 24)}`;
  return {
    ok: true,
    value: {
      category: key.category,
      routingKey,
      msgId: msgId.slice(0, 256),
      digest,
      conferenceId: key.conferenceId,
      subjectId: key.subjectId,
      claimedAccountId: claimed as string | undefined,
      data,
      payload: parsed.data,
    } as DecodedSideEvent,
  };
}
