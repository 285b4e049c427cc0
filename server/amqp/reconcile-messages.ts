/**
 * Words reconciliation's planned repairs as messages on Kazoo's current conference feed and
 * decodes them as a media server's are decoded, so the ingest takes them exactly as it takes
 * real ones: routing key
 * `conference.event.{event}.{account_id}.{conference_id}.{call_id}`, `Event-Name: event`,
 * participant state in `Conference-Channel-Vars`. Each says where it comes from
 * (`App-Name: parley`, `Reconciled: true`, `Reconcile-ID`), and its `Msg-ID` derives from the
 * round and its content only, so a retried round is deduplicated by the event log.
 * @module
 */
import { createHash } from "node:crypto";
import type { SynthesizedMessage } from "../domain/reconcile-feed";
import type { PlannedEvent } from "../domain/reconcile-plan";
import { decodeInbound } from "./decode-inbound";

/** Escapes a routing-key segment as Kazoo's `kz_amqp_util:encode` does. */
function encodeSegment(value: string): string {
  return encodeURIComponent(value)
    .replaceAll(".", "%2E")
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll("%20", "+");
}

/** Kazoo's wire case for a normalised key: `is_moderator` → `Is-Moderator`. */
function wireKey(key: string): string {
  return key
    .split("_")
    .map((part) => (part === "id" ? "ID" : part.charAt(0).toUpperCase() + part.slice(1)))
    .join("-");
}

function wireCase(vars: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(vars).map(([key, value]) => [wireKey(key), value]));
}

/** Builds the round's messages, in plan order (the reconciler's `synthesize`). */
export function synthesizeMessages(
  roundId: string,
  planned: PlannedEvent[],
  appVersion: string,
): SynthesizedMessage[] {
  return planned.map((event, index) => {
    const { member } = event;
    const callSlot = member?.callId ?? event.conferenceId;
    const digest = createHash("sha256")
      .update(`${roundId}\n${index}\n${event.event}\n${event.conferenceId}\n${callSlot}`)
      .digest("hex")
      .slice(0, 24);
    const msgId = `reconcile-${roundId}-${digest}`;
    const body: Record<string, unknown> = {
      "Account-ID": event.accountId,
      "App-Name": "parley",
      "App-Version": appVersion,
      "Conference-ID": event.conferenceId,
      Event: event.event,
      "Event-Category": "conference",
      "Event-Name": "event",
      ...(event.instanceId ? { "Instance-ID": event.instanceId } : {}),
      "Msg-ID": msgId,
      Reconciled: true,
      "Reconcile-ID": roundId,
      ...(event.startTime === undefined ? {} : { "Start-Time": event.startTime }),
    };
    if (member) {
      Object.assign(body, {
        "Call-ID": member.callId,
        ...(member.callerIdName === undefined ? {} : { "Caller-ID-Name": member.callerIdName }),
        ...(member.callerIdNumber === undefined
          ? {}
          : { "Caller-ID-Number": member.callerIdNumber }),
        "Participant-ID": member.participantId,
        "Custom-Channel-Vars": { ...member.customChannelVars, account_id: event.accountId },
        "Conference-Channel-Vars": wireCase(member.channelVars),
        ...(member.joinTime === undefined ? {} : { "Join-Time": member.joinTime }),
      });
    }
    const routingKey = `conference.event.${event.event}.${encodeSegment(event.accountId)}.${encodeSegment(event.conferenceId)}.${encodeSegment(callSlot)}`;
    return {
      routingKey,
      event: decodeInbound(routingKey, Buffer.from(JSON.stringify(body))),
      msgId,
      planned: event,
    };
  });
}
