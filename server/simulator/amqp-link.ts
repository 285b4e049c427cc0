/**
 * Connects the switch simulator to RabbitMQ as a separate media server would: publishes events
 * on the conference exchange, consumes `conference.command.#` and `conference.discovery` from
 * its own queue, and answers each `search_req` to the requester's queue (`Server-ID`) through
 * Kazoo's direct `targeted` exchange, as ecallmgr does.
 * @module
 */
import amqp from "amqplib";
import { DISCOVERY_ROUTING_KEY, TARGETED_EXCHANGE } from "../../protocol/discovery";
import { ensureTargetedExchange } from "../amqp/rabbit-search";
import type { SwitchLink } from "./switch-simulator";

export interface AmqpLink extends SwitchLink {
  close(): Promise<void>;
}

type Answerer = (request: Record<string, unknown>) => Record<string, unknown> | undefined;

export async function connectAmqpLink(url: string, exchange: string): Promise<AmqpLink> {
  const connection = await amqp.connect(url);
  await ensureTargetedExchange(connection);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, "topic", { durable: true });
  const { queue } = await channel.assertQueue("", { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, exchange, "conference.command.#");
  await channel.bindQueue(queue, exchange, DISCOVERY_ROUTING_KEY);
  const listeners = new Set<(command: Record<string, unknown>) => void>();
  const answerers = new Set<Answerer>();
  const answer = (request: Record<string, unknown>) => {
    const replyTo = request["Server-ID"];
    if (typeof replyTo !== "string" || !replyTo) {
      return;
    }
    for (const answerer of answerers) {
      const body = answerer(request);
      if (body) {
        channel.publish(TARGETED_EXCHANGE, replyTo, Buffer.from(JSON.stringify(body)), {
          contentType: "application/json",
        });
      }
    }
  };
  await channel.consume(
    queue,
    (message) => {
      if (!message) {
        return;
      }
      try {
        const body = JSON.parse(message.content.toString()) as Record<string, unknown>;
        if (message.fields.routingKey === DISCOVERY_ROUTING_KEY) {
          answer(body);
          return;
        }
        for (const listener of listeners) {
          listener(body);
        }
      } catch {
        // not a message this simulator understands
      }
    },
    { noAck: true },
  );
  return {
    publish(routingKey, body) {
      channel.publish(exchange, routingKey, Buffer.from(JSON.stringify(body)), {
        contentType: "application/json",
      });
    },
    onCommand(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onSearch(answerer) {
      answerers.add(answerer);
      return () => answerers.delete(answerer);
    },
    async close() {
      await connection.close().catch(() => {});
    },
  };
}
