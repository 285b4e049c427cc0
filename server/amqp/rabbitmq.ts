/**
 * RabbitMQ behind the domain's event-source and command-bus ports (amqplib).
 *
 * - Declares the topic exchange, parley's durable queue bound to the inbound keys, and its
 *   dead-letter queue `<queue>.dead`.
 * - Consumes with a bounded prefetch; messages that arrive in one event-loop turn form a batch.
 *   A batch whose messages all committed is acknowledged with one `multiple` ack.
 * - Dead-letters an invalid message by publishing it (confirmed) to `<queue>.dead` with an
 *   `x-parley-error` header, then acknowledging the original.
 * - Publishes commands on a confirm channel, all at once, and resolves when every confirm is in.
 * - Reconnects by itself with capped exponential backoff; `isConnected()` drives `/readyz`. A
 *   refused login on the first attempt fails `start` instead (a configuration error).
 * @module
 */
import amqp, {
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
} from "amqplib";
import { commandRoutingKey } from "../../protocol/commands";
import type { CommandBus } from "../domain/command-bus";
import { DomainError } from "../domain/errors";
import type { EventSource, InboundMessage, MessageBatchHandler } from "../domain/event-source";
import type { Logger } from "../logger";
import {
  type BrokerFailure,
  BrokerRefusedError,
  backoffMs,
  brokerAddress,
  createLinkReporter,
  describeFailure,
} from "./broker-link-state";
import { decodeInbound } from "./decode-inbound";

/** Routing keys parley's queue is bound to on the conference exchange. */
export const inboundBindings = [
  "conference.event.#",
  "recording.event.#",
  "chat.event.#",
  "livestream.event.#",
  "transcript.event.#",
] as const;

export interface RabbitOptions {
  url: string;
  exchange: string;
  queue: string;
  logger: Logger;
  /** Unacknowledged messages the broker may push at once. */
  prefetch?: number;
  /** How long a publish may wait for the broker's confirm before the action fails with 503. */
  confirmTimeoutMs?: number;
}

export interface RabbitBus extends EventSource, CommandBus {
  /** Where the broker is, without credentials (for log lines). */
  readonly address: string;
  /** Stops taking new messages; messages already received still settle. */
  stopConsuming(): Promise<void>;
  /**
   * Calls `listener` with each new broker connection, after parley's queue is set up (the first
   * one and every reconnect), so other links (the conference search) open their channels on it.
   */
  onConnected(listener: (model: ChannelModel) => void): () => void;
}

interface Link {
  model: ChannelModel;
  consume: Channel;
  publish: ConfirmChannel;
  consumerTag: string | undefined;
}

export function createRabbitBus(options: RabbitOptions): RabbitBus {
  const { url, exchange, queue, logger } = options;
  const prefetch = options.prefetch ?? 500;
  const confirmTimeoutMs = options.confirmTimeoutMs ?? 5000;
  const deadQueue = `${queue}.dead`;
  const address = brokerAddress(url);
  const report = createLinkReporter(logger, address);

  let link: Link | undefined;
  const connectedListeners = new Set<(model: ChannelModel) => void>();
  let handler: MessageBatchHandler | undefined;
  let closing = false;
  let consuming = true;
  let attempt = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let pending: InboundMessage[] = [];
  let flushScheduled = false;
  /** Dead-letter publishes awaiting confirm: while any are out, acks are sent one by one. */
  let deadLettersInFlight = 0;

  const publishConfirmed = (
    channel: ConfirmChannel,
    target: string,
    routingKey: string,
    body: Buffer,
    properties: amqp.Options.Publish,
  ) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("confirm timed out")), confirmTimeoutMs);
      try {
        channel.publish(target, routingKey, body, properties, (error) => {
          clearTimeout(timer);
          if (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          } else {
            resolve();
          }
        });
      } catch (error) {
        clearTimeout(timer);
        reject(error);
      }
    });

  /** Acks taken while a batch is handled, sent together once the handler returns. */
  let collecting: ConsumeMessage[] | undefined;

  const flush = () => {
    flushScheduled = false;
    const batch = pending;
    pending = [];
    const current = link;
    if (batch.length === 0 || !handler || !current) {
      return;
    }
    collecting = [];
    try {
      handler(batch);
    } finally {
      const acked = collecting;
      collecting = undefined;
      const last = acked[acked.length - 1];
      if (link === current && last) {
        if (acked.length === batch.length && deadLettersInFlight === 0) {
          current.consume.ack(last, true);
        } else {
          for (const message of acked) {
            current.consume.ack(message);
          }
        }
      }
    }
  };

  const toInbound = (current: Link, message: ConsumeMessage): InboundMessage => {
    const alive = () => link === current;
    return {
      routingKey: message.fields.routingKey,
      event: decodeInbound(message.fields.routingKey, message.content),
      receivedAt: performance.now(),
      ack() {
        if (collecting) {
          collecting.push(message);
        } else if (alive()) {
          current.consume.ack(message);
        }
      },
      requeue() {
        if (alive()) {
          current.consume.nack(message, false, true);
        }
      },
      reject(reason) {
        if (!alive()) {
          return;
        }
        deadLettersInFlight += 1;
        publishConfirmed(current.publish, "", deadQueue, message.content, {
          persistent: true,
          contentType: message.properties.contentType,
          headers: {
            ...message.properties.headers,
            "x-parley-error": reason,
            "x-original-exchange": message.fields.exchange,
            "x-original-routing-key": message.fields.routingKey,
          },
        })
          .then(() => alive() && current.consume.ack(message))
          .catch(() => alive() && current.consume.nack(message, false, false))
          .finally(() => {
            deadLettersInFlight -= 1;
          });
      },
    };
  };

  const setup = async (model: ChannelModel): Promise<Link> => {
    const consume = await model.createChannel();
    const publish = await model.createConfirmChannel();
    consume.on("error", (error: Error) =>
      logger.warn({ broker: address }, `AMQP consume channel closed: ${error.message}`),
    );
    publish.on("error", (error: Error) =>
      logger.warn({ broker: address }, `AMQP publish channel closed: ${error.message}`),
    );
    await consume.assertExchange(exchange, "topic", { durable: true });
    await consume.assertQueue(deadQueue, { durable: true });
    await consume.assertQueue(queue, {
      durable: true,
      arguments: { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": deadQueue },
    });
    for (const pattern of inboundBindings) {
      await consume.bindQueue(queue, exchange, pattern);
    }
    await consume.prefetch(prefetch);
    const current: Link = { model, consume, publish, consumerTag: undefined };
    return current;
  };

  const startConsuming = async (current: Link) => {
    if (!consuming || current.consumerTag) {
      return;
    }
    const { consumerTag } = await current.consume.consume(queue, (message) => {
      if (!message || link !== current) {
        return;
      }
      pending.push(toInbound(current, message));
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    });
    current.consumerTag = consumerTag;
  };

  const scheduleReconnect = (failure?: BrokerFailure) => {
    if (closing || reconnectTimer) {
      return;
    }
    const delay = backoffMs(attempt);
    attempt += 1;
    if (failure) {
      report.failed(failure, delay);
    }
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void connect().catch(() => {});
    }, delay);
  };

  /** One attempt; a failure schedules the next and is returned (the first one decides start-up). */
  const connect = async (): Promise<BrokerFailure | undefined> => {
    if (closing) {
      return undefined;
    }
    let model: ChannelModel | undefined;
    try {
      model = await amqp.connect(withHeartbeat(url), { timeout: 5000 });
      model.on("error", (error: Error) =>
        logger.debug({ err: error, broker: address }, "AMQP connection error"),
      );
      const current = await setup(model);
      model.on("close", (error?: Error) => {
        if (link === current) {
          link = undefined;
          pending = [];
          if (!closing) {
            report.lost(error?.message);
            scheduleReconnect();
          }
        }
      });
      if (closing) {
        await model.close().catch(() => {});
        return undefined;
      }
      link = current;
      attempt = 0;
      await startConsuming(current);
      report.connected();
      for (const listener of connectedListeners) {
        listener(model);
      }
      return undefined;
    } catch (error) {
      await model?.close().catch(() => {});
      const failure = describeFailure(error);
      scheduleReconnect(failure);
      return failure;
    }
  };

  return {
    kind: "amqp",
    address,
    async start(onBatch) {
      handler = onBatch;
      const failure = await connect();
      if (failure?.kind === "refused") {
        // Wrong credentials do not fix themselves: stop start-up with the reason.
        closing = true;
        clearTimeout(reconnectTimer);
        throw new BrokerRefusedError(`RabbitMQ at ${address} ${failure.text}`);
      }
    },
    isConnected: () => link !== undefined,
    onConnected(listener) {
      connectedListeners.add(listener);
      return () => connectedListeners.delete(listener);
    },
    async stopConsuming() {
      consuming = false;
      const current = link;
      if (current?.consumerTag) {
        await current.consume.cancel(current.consumerTag).catch(() => {});
        current.consumerTag = undefined;
      }
      flush();
    },
    async close() {
      await this.stopConsuming();
      closing = true;
      clearTimeout(reconnectTimer);
      const current = link;
      link = undefined;
      if (current) {
        await current.model.close().catch(() => {});
      }
    },
    async publish(commands) {
      const current = link;
      if (!current) {
        throw new DomainError("service_unavailable", {
          message: "message broker unavailable; no command was sent",
        });
      }
      try {
        await Promise.all(
          commands.map((command) =>
            publishConfirmed(
              current.publish,
              exchange,
              commandRoutingKey(command["Conference-ID"]),
              Buffer.from(JSON.stringify(command)),
              { contentType: "application/json", messageId: command["Msg-ID"] },
            ),
          ),
        );
      } catch (error) {
        logger.warn({ err: error }, "command publish not confirmed");
        throw new DomainError("service_unavailable", {
          message: "message broker did not confirm the command",
        });
      }
    },
  };
}

/** Adds a 10 s heartbeat unless the URL sets one, so a dead broker is noticed quickly. */
function withHeartbeat(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.searchParams.has("heartbeat")) {
      parsed.searchParams.set("heartbeat", "10");
    }
    return parsed.toString();
  } catch {
    return url;
  }
}
