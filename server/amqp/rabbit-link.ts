/**
 * One connection to RabbitMQ as parley uses it: a consume channel and a confirm channel, and the
 * topology declared on each connect (the topic exchange, parley's durable queue bound to the
 * inbound keys, its dead-letter queue `<queue>.dead`), plus the confirmed publish every sender
 * on it uses.
 * @module
 */
import type { Channel, ChannelModel, ConfirmChannel, Options } from "amqplib";
import type { Logger } from "../logger";

/** Routing keys parley's queue is bound to on the conference exchange. */
export const inboundBindings = [
  "conference.event.#",
  "recording.event.#",
  "chat.event.#",
  "livestream.event.#",
  "transcript.event.#",
] as const;

/** A live connection: messages are settled on `consume`, commands go out on `publish`. */
export interface Link {
  model: ChannelModel;
  consume: Channel;
  publish: ConfirmChannel;
  consumerTag: string | undefined;
}

export interface Topology {
  exchange: string;
  queue: string;
  /** Unacknowledged messages the broker may push at once. */
  prefetch: number;
  logger: Logger;
  /** Where the broker is, for log lines. */
  address: string;
}

/** Opens both channels on `model` and declares parley's exchange, queues and bindings. */
export async function openLink(model: ChannelModel, topology: Topology): Promise<Link> {
  const { exchange, queue, logger, address } = topology;
  const deadQueue = `${queue}.dead`;
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
  // Single active consumer: of a cluster's nodes, one ingests at a time (the ingest lease); when
  // it goes away the broker hands the queue, and its unacknowledged messages, to the next.
  await consume.assertQueue(queue, {
    durable: true,
    arguments: {
      "x-dead-letter-exchange": "",
      "x-dead-letter-routing-key": deadQueue,
      "x-single-active-consumer": true,
    },
  });
  for (const pattern of inboundBindings) {
    await consume.bindQueue(queue, exchange, pattern);
  }
  await consume.prefetch(topology.prefetch);
  return { model, consume, publish, consumerTag: undefined };
}

/** Publishes and resolves on the broker's confirm; rejects on a nack or after `timeoutMs`. */
export function publishConfirmed(
  channel: ConfirmChannel,
  message: { exchange: string; routingKey: string; body: Buffer; properties: Options.Publish },
  timeoutMs: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("confirm timed out")), timeoutMs);
    try {
      channel.publish(
        message.exchange,
        message.routingKey,
        message.body,
        message.properties,
        (error) => {
          clearTimeout(timer);
          if (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          } else {
            resolve();
          }
        },
      );
    } catch (error) {
      clearTimeout(timer);
      reject(error);
    }
  });
}

/** Adds a 10 s heartbeat unless the URL sets one, so a dead broker is noticed quickly. */
export function withHeartbeat(url: string): string {
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
