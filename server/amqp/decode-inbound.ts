/**
 * Reads one inbound message off the wire into what the domain receives: a conference event, a
 * side event (recording, chat, livestream, transcript), or the reason it is refused. Both
 * adapters (RabbitMQ and the embedded bus) and reconciliation's synthesized messages go through
 * it, so every event is decoded by the same rules.
 * @module
 */
import type { InboundEvent } from "../domain/inbound-event";
import { decodeEvent } from "./decode-event";
import { decodeSideEvent } from "./decode-side-event";

/**
 * Decodes by the routing key's first segment: `conference.…`, else a side-event kind. Never
 * throws: a body nested too deeply to normalise is refused like any unreadable one.
 */
export function decodeInbound(routingKey: string, body: Buffer): InboundEvent {
  try {
    return decodeByKind(routingKey, body);
  } catch (error) {
    return { kind: "refused", reason: `body could not be read: ${(error as Error).message}` };
  }
}

function decodeByKind(routingKey: string, body: Buffer): InboundEvent {
  if (routingKey.startsWith("conference.")) {
    const result = decodeEvent(routingKey, body);
    return result.ok
      ? { kind: "conference", value: result.value }
      : { kind: "refused", reason: result.reason };
  }
  const result = decodeSideEvent(routingKey, body);
  return result.ok
    ? { kind: "side", value: result.value }
    : { kind: "refused", reason: result.reason };
}
