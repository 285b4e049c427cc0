/**
 * Connects the switch simulator to RabbitMQ as a separate media server would: publishes events
 * on the conference exchange and consumes `conference.command.#` from its own queue.
 * @module
 */
import amqp from "amqplib";
import type { SwitchLink } from "./switch-simulator";

export interface AmqpLink extends SwitchLink {
  close(): Promise<void>;
}

export async function connectAmqpLink(url: string, exchange: string): Promise<AmqpLink> {
  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, "topic", { durable: true });
  const { queue } = await channel.assertQueue("", { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, exchange, "conference.command.#");
  const listeners = new Set<(command: Record<string, unknown>) => void>();
  await channel.consume(
    queue,
    (message) => {
      if (!message) {
        return;
      }
      try {
        const command = JSON.parse(message.content.toString()) as Record<string, unknown>;
        for (const listener of listeners) {
          listener(command);
        }
      } catch {
        // not a command this simulator understands
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
    async close() {
      await connection.close().catch(() => {});
    },
  };
}
