/**
 * The embedded bus: with `AMQP_URL` unset it stands in for RabbitMQ behind the same two
 * interfaces (event source and command bus), so parley runs on a machine with no broker. The
 * simulator and fast unit tests publish into it; commands come out of it to listeners.
 * @module
 */
import type { ConferenceCommand } from "../../protocol/commands";
import { commandRoutingKey } from "../../protocol/commands";
import type { CommandBus } from "../domain/command-bus";
import type { EventSource, InboundMessage, MessageBatchHandler } from "../domain/event-source";
import { decodeInbound } from "./decode-inbound";

/** A command as it left parley: routing key and message. */
export interface PublishedCommand {
  routingKey: string;
  command: ConferenceCommand;
}

/** A message parley refused, with its reason (the embedded bus's dead-letter queue). */
export interface DeadLetter {
  routingKey: string;
  body: Buffer;
  reason: string;
}

/**
 * A media-server stand-in answering Kazoo `search_req` messages: it gets each request and a
 * `reply` function that delivers an answer (any body: parley validates it) to the requester.
 */
export type SearchResponder = (
  request: Record<string, unknown>,
  reply: (body: unknown) => void,
) => void;

export interface MemoryBus extends CommandBus, EventSource {
  /** Publishes an inbound event as a media server would, on `routingKey`. */
  publishEvent(routingKey: string, body: unknown): void;
  /** Calls `listener` for every message parley dead-letters; returns an unsubscribe function. */
  onDeadLetter(listener: (dead: DeadLetter) => void): () => void;
  /** Calls `listener` for every command parley publishes; returns an unsubscribe function. */
  onCommand(listener: (published: PublishedCommand) => void): () => void;
  /** Registers a media server that answers `conference.discovery` searches; returns an unsubscribe. */
  onSearchRequest(responder: SearchResponder): () => void;
  /**
   * Publishes a `search_req` on `conference.discovery`: every registered responder gets it, and
   * each answer reaches `onReply` on a later turn, as over a broker.
   */
  publishSearch(request: Record<string, unknown>, onReply: (body: Buffer) => void): void;
  /** Dead-letters a message parley refused outside the event queue (a search answer). */
  deadLetter(dead: DeadLetter): void;
}

/** Messages handed to the ingest per event-loop turn, like an AMQP prefetch window. */
const MAX_BATCH = 256;

export function createMemoryBus(): MemoryBus {
  const listeners = new Set<(published: PublishedCommand) => void>();
  let handler: MessageBatchHandler | undefined;
  const pending: InboundMessage[] = [];
  let scheduled = false;

  const deadLetterListeners = new Set<(dead: DeadLetter) => void>();
  const responders = new Set<SearchResponder>();
  const schedule = () => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(drain);
    }
  };
  const drain = () => {
    scheduled = false;
    if (!handler || pending.length === 0) {
      return;
    }
    const batch = pending.splice(0, MAX_BATCH);
    if (pending.length > 0) {
      schedule();
    }
    // The ingest settles every message itself (and logs what fails): nothing to await here.
    void Promise.resolve(handler(batch)).catch(() => {});
  };

  return {
    kind: "embedded",
    async start(onBatch) {
      handler = onBatch;
      if (pending.length > 0) {
        schedule();
      }
    },
    async close() {
      handler = undefined;
    },
    isConnected: () => true,
    publishEvent(routingKey, body) {
      const raw = Buffer.isBuffer(body)
        ? body
        : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
      const message: InboundMessage = {
        routingKey,
        event: decodeInbound(routingKey, raw),
        receivedAt: performance.now(),
        ack: () => {},
        reject: (reason) => {
          for (const listener of deadLetterListeners) {
            listener({ routingKey, body: raw, reason });
          }
        },
        requeue: () => {
          pending.push(message);
          schedule();
        },
      };
      pending.push(message);
      schedule();
    },
    async publish(commands) {
      for (const command of commands) {
        const published = { routingKey: commandRoutingKey(command["Conference-ID"]), command };
        for (const listener of listeners) {
          listener(published);
        }
      }
    },
    onCommand(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onSearchRequest(responder) {
      responders.add(responder);
      return () => responders.delete(responder);
    },
    publishSearch(request, onReply) {
      for (const responder of responders) {
        setImmediate(() =>
          responder(structuredClone(request), (body) => {
            const raw = Buffer.isBuffer(body)
              ? body
              : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
            setImmediate(() => onReply(raw));
          }),
        );
      }
    },
    deadLetter(dead) {
      for (const listener of deadLetterListeners) {
        listener(dead);
      }
    },
    onDeadLetter(listener) {
      deadLetterListeners.add(listener);
      return () => deadLetterListeners.delete(listener);
    },
  };
}
