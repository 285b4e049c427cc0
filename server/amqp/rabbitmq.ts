/**
 * RabbitMQ behind the domain's event-source and command-bus ports (amqplib).
 *
 * - Declares the topic exchange, parley's durable queue bound to the inbound keys, and its
 *   dead-letter queue `<queue>.dead` on every connection (`rabbit-link.ts`).
 * - Consumes with a bounded prefetch, in batches of one event-loop turn, settled after commit
 *   (`rabbit-consumer.ts`).
 * - Publishes commands on a confirm channel, all at once, and resolves when every confirm is in.
 * - Reconnects by itself with capped exponential backoff; `isConnected()` drives `/readyz`. A
 *   refused login on the first attempt fails `start` instead (a configuration error).
 * @module
 */
import amqp, { type ChannelModel } from "amqplib";
import { type ConferenceCommand, commandRoutingKey } from "../../protocol/commands";
import type { CommandBus } from "../domain/command-bus";
import { DomainError } from "../domain/errors";
import type { EventSource, MessageBatchHandler } from "../domain/event-source";
import type { Logger } from "../logger";
import {
  type BrokerFailure,
  BrokerRefusedError,
  backoffMs,
  brokerAddress,
  createLinkReporter,
  describeFailure,
  type LinkReporter,
} from "./broker-link-state";
import { BatchConsumer } from "./rabbit-consumer";
import { type Link, openLink, publishConfirmed, type Topology, withHeartbeat } from "./rabbit-link";

export { inboundBindings } from "./rabbit-link";

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
   * Calls (and awaits) `listener` with each new broker connection, after parley's queues are
   * declared and before it consumes (the first one and every reconnect), so other links (the log
   * stream, the conference search) open their channels on it.
   */
  onConnected(listener: (model: ChannelModel) => void | Promise<void>): () => void;
  /** Calls `listener` when the connection is lost (the other links' channels are gone with it). */
  onLost(listener: () => void): () => void;
}

export function createRabbitBus(options: RabbitOptions): RabbitBus {
  return new RabbitMqBus(options);
}

/** The connection's life: connect, set up, consume, lose, back off, reconnect; and publishing. */
class RabbitMqBus implements RabbitBus {
  readonly kind = "amqp" as const;
  readonly address: string;
  readonly #url: string;
  readonly #topology: Topology;
  readonly #confirmTimeoutMs: number;
  readonly #report: LinkReporter;
  readonly #consumer: BatchConsumer;
  readonly #connectedListeners = new Set<(model: ChannelModel) => void | Promise<void>>();
  readonly #lostListeners = new Set<() => void>();
  #link: Link | undefined;
  #closing = false;
  #consuming = true;
  #attempt = 0;
  #reconnectTimer: NodeJS.Timeout | undefined;

  constructor(options: RabbitOptions) {
    this.address = brokerAddress(options.url);
    this.#url = options.url;
    this.#topology = {
      exchange: options.exchange,
      queue: options.queue,
      prefetch: options.prefetch ?? 500,
      logger: options.logger,
      address: this.address,
    };
    this.#confirmTimeoutMs = options.confirmTimeoutMs ?? 5000;
    this.#report = createLinkReporter(options.logger, this.address);
    this.#consumer = new BatchConsumer({
      deadQueue: `${options.queue}.dead`,
      confirmTimeoutMs: this.#confirmTimeoutMs,
      currentLink: () => this.#link,
    });
  }

  async start(onBatch: MessageBatchHandler): Promise<void> {
    this.#consumer.handleWith(onBatch);
    const failure = await this.#connect();
    if (failure?.kind === "refused") {
      // Wrong credentials do not fix themselves: stop start-up with the reason.
      this.#closing = true;
      clearTimeout(this.#reconnectTimer);
      throw new BrokerRefusedError(`RabbitMQ at ${this.address} ${failure.text}`);
    }
  }

  isConnected(): boolean {
    return this.#link !== undefined;
  }

  onConnected(listener: (model: ChannelModel) => void | Promise<void>): () => void {
    this.#connectedListeners.add(listener);
    return () => this.#connectedListeners.delete(listener);
  }

  onLost(listener: () => void): () => void {
    this.#lostListeners.add(listener);
    return () => this.#lostListeners.delete(listener);
  }

  async stopConsuming(): Promise<void> {
    this.#consuming = false;
    const link = this.#link;
    if (link?.consumerTag) {
      await link.consume.cancel(link.consumerTag).catch(() => {});
      link.consumerTag = undefined;
    }
    // What already arrived still settles, if the store takes it soon; the rest is redelivered.
    await Promise.race([
      this.#consumer.flush(),
      new Promise((resolve) => setTimeout(resolve, 5000).unref()),
    ]);
  }

  async close(): Promise<void> {
    await this.stopConsuming();
    this.#closing = true;
    clearTimeout(this.#reconnectTimer);
    const link = this.#link;
    this.#link = undefined;
    if (link) {
      await link.model.close().catch(() => {});
    }
  }

  async publish(commands: ConferenceCommand[]): Promise<void> {
    const link = this.#link;
    if (!link) {
      throw new DomainError("service_unavailable", {
        message: "message broker unavailable; no command was sent",
      });
    }
    try {
      await Promise.all(
        commands.map((command) =>
          publishConfirmed(
            link.publish,
            {
              exchange: this.#topology.exchange,
              routingKey: commandRoutingKey(command["Conference-ID"]),
              body: Buffer.from(JSON.stringify(command)),
              properties: { contentType: "application/json", messageId: command["Msg-ID"] },
            },
            this.#confirmTimeoutMs,
          ),
        ),
      );
    } catch (error) {
      this.#topology.logger.warn({ err: error }, "command publish not confirmed");
      throw new DomainError("service_unavailable", {
        message: "message broker did not confirm the command",
      });
    }
  }

  /** One attempt; a failure schedules the next and is returned (the first one decides start-up). */
  async #connect(): Promise<BrokerFailure | undefined> {
    if (this.#closing) {
      return undefined;
    }
    let model: ChannelModel | undefined;
    try {
      model = await amqp.connect(withHeartbeat(this.#url), { timeout: 5000 });
      model.on("error", (error: Error) =>
        this.#topology.logger.debug({ err: error, broker: this.address }, "AMQP connection error"),
      );
      const link = await openLink(model, this.#topology);
      model.on("close", (error?: Error) => this.#lost(link, error));
      if (this.#closing) {
        await model.close().catch(() => {});
        return undefined;
      }
      await this.#adopt(link);
      return undefined;
    } catch (error) {
      await model?.close().catch(() => {});
      const failure = describeFailure(error);
      this.#scheduleReconnect(failure);
      return failure;
    }
  }

  /**
   * Makes `link` the live one: the other links (the log stream, the conference search) set up on
   * it first, so that what the ingest consumes next can be appended; then consume and report.
   */
  async #adopt(link: Link): Promise<void> {
    this.#link = link;
    this.#attempt = 0;
    for (const listener of this.#connectedListeners) {
      await listener(link.model);
    }
    await this.#startConsuming(link);
    this.#report.connected();
  }

  #lost(link: Link, error: Error | undefined): void {
    if (this.#link !== link) {
      return;
    }
    this.#link = undefined;
    this.#consumer.dropPending();
    for (const listener of this.#lostListeners) {
      listener();
    }
    if (!this.#closing) {
      this.#report.lost(error?.message);
      this.#scheduleReconnect();
    }
  }

  async #startConsuming(link: Link): Promise<void> {
    if (!this.#consuming || link.consumerTag) {
      return;
    }
    const { consumerTag } = await link.consume.consume(this.#topology.queue, (message) => {
      if (message && this.#link === link) {
        this.#consumer.receive(link, message);
      }
    });
    link.consumerTag = consumerTag;
  }

  #scheduleReconnect(failure?: BrokerFailure): void {
    if (this.#closing || this.#reconnectTimer) {
      return;
    }
    const delay = backoffMs(this.#attempt);
    this.#attempt += 1;
    if (failure) {
      this.#report.failed(failure, delay);
    }
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      void this.#connect().catch(() => {});
    }, delay);
  }
}
