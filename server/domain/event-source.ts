/**
 * The domain's port for inbound media-server events: where they come from. RabbitMQ or the
 * embedded bus implement it (`server/amqp/`) and decode each message as it arrives, so the
 * ingest gets domain events, never bytes; it consumes them in batches and settles each message
 * only after its batch is committed.
 * @module
 */
import type { InboundEvent } from "./inbound-event";

/** One inbound message, decoded, and how to settle it. */
export interface InboundMessage {
  /** The routing key it came on (log lines name it). */
  routingKey: string;
  /** What the adapter read from it; a refusal is dead-lettered with its reason. */
  event: InboundEvent;
  /** `performance.now()` when it arrived, for the queue-lag metric. */
  receivedAt?: number;
  /** Acknowledge: the message is durable in parley's store. */
  ack(): void;
  /** Dead-letter with a reason: the message is invalid and will never apply. */
  reject(reason: string): void;
  /** Hand the message back for redelivery: parley could not store it this time. */
  requeue(): void;
}

/** Receives every message that arrived in one event-loop turn; resolves once each is settled. */
export type MessageBatchHandler = (batch: InboundMessage[]) => void | Promise<void>;

/** A source of inbound batches: RabbitMQ's queue, or the embedded bus. */
export interface EventSource {
  /** `embedded` for the in-process bus, `amqp` for RabbitMQ. */
  readonly kind: "embedded" | "amqp";
  start(onBatch: MessageBatchHandler): Promise<void>;
  close(): Promise<void>;
  /** False while the broker connection is down (drives `/readyz`). */
  isConnected(): boolean;
}
