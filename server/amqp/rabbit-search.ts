/**
 * The conference search over RabbitMQ, as Kazoo's crossbar does it: on every broker connection
 * parley declares an exclusive reply queue bound to the direct `targeted` exchange under its own
 * name (the `Server-ID` ecallmgr answers to; the default exchange reaches it too), publishes
 * `search_req` on the conference exchange with routing key `conference.discovery`, and reads
 * the answers. Unreadable answers go to parley's dead-letter queue with `x-parley-error`.
 * @module
 */
import type { Channel, ChannelModel } from "amqplib";
import { DISCOVERY_ROUTING_KEY, TARGETED_EXCHANGE } from "../../protocol/discovery";
import { DomainError } from "../domain/errors";
import type { MediaSearch } from "../domain/media-search";
import type { Logger } from "../logger";
import type { RabbitBus } from "./rabbitmq";
import { createSearchRequests } from "./search-requests";

export interface RabbitSearchOptions {
  exchange: string;
  /** parley's event queue: refused answers go to `<queue>.dead`. */
  queue: string;
  logger: Logger;
  appVersion: string;
  observeRefused?(reason: string): void;
}

/**
 * Makes sure Kazoo's `targeted` exchange exists without redeclaring it: a broker shared with
 * Kazoo already has it, with Kazoo's own flags, and a declare with other flags would fail.
 */
export async function ensureTargetedExchange(model: ChannelModel): Promise<void> {
  const probe = await model.createChannel();
  probe.on("error", () => {});
  try {
    await probe.checkExchange(TARGETED_EXCHANGE);
    await probe.close();
  } catch {
    // The failed check closed the probe channel: declare it as Kazoo does (direct, transient).
    const declare = await model.createChannel();
    await declare.assertExchange(TARGETED_EXCHANGE, "direct", { durable: false });
    await declare.close();
  }
}

/** Attaches the conference search to `rabbit`'s connections; register before `rabbit.start`. */
export function createRabbitSearch(rabbit: RabbitBus, options: RabbitSearchOptions): MediaSearch {
  const { logger } = options;
  const deadQueue = `${options.queue}.dead`;
  const readyListeners = new Set<() => void>();
  let current: { channel: Channel; replyTo: string } | undefined;
  let closed = false;

  const requests = createSearchRequests({
    logger,
    appVersion: options.appVersion,
    replyTo: () => current?.replyTo,
    async send(request) {
      const link = current;
      try {
        if (!link) {
          throw new Error("no channel");
        }
        link.channel.publish(
          options.exchange,
          DISCOVERY_ROUTING_KEY,
          Buffer.from(JSON.stringify(request)),
          { contentType: "application/json", messageId: request["Msg-ID"] },
        );
      } catch {
        throw new DomainError("service_unavailable", {
          message: "message broker unavailable; the media servers cannot be asked",
        });
      }
    },
    refuse(body, reason) {
      try {
        current?.channel.publish("", deadQueue, body, {
          persistent: true,
          contentType: "application/json",
          headers: { "x-parley-error": reason, "x-original-exchange": TARGETED_EXCHANGE },
        });
      } catch (error) {
        logger.warn({ err: error }, "refused search reply could not be dead-lettered");
      }
    },
    ...(options.observeRefused ? { observeRefused: options.observeRefused } : {}),
  });

  const open = async (model: ChannelModel) => {
    await ensureTargetedExchange(model);
    const channel = await model.createChannel();
    channel.on("error", (error: Error) =>
      logger.warn(`AMQP search channel closed: ${error.message}`),
    );
    const { queue } = await channel.assertQueue("", { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, TARGETED_EXCHANGE, queue);
    await channel.consume(queue, (message) => message && requests.deliver(message.content), {
      noAck: true,
    });
    const link = { channel, replyTo: queue };
    channel.on("close", () => {
      if (current === link) {
        current = undefined;
      }
    });
    if (closed) {
      await channel.close().catch(() => {});
      return;
    }
    current = link;
    for (const listener of readyListeners) {
      listener();
    }
  };

  rabbit.onConnected((model) => {
    open(model).catch((error: unknown) =>
      logger.warn({ err: error }, "conference search could not be set up on this connection"),
    );
  });

  return {
    search: (queries, timeoutMs) => requests.search(queries, timeoutMs),
    ready: () => current !== undefined,
    onReady(listener) {
      readyListeners.add(listener);
      return () => readyListeners.delete(listener);
    },
    async close() {
      closed = true;
      requests.close();
      const link = current;
      current = undefined;
      await link?.channel.close().catch(() => {});
    },
  };
}
