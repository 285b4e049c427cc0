/**
 * Leases for the work a cluster must do once (sending webhooks, per partition; meeting reminders;
 * reconciliation rounds), on RabbitMQ's single-active-consumer queues: each lease is a queue
 * `<AMQP_QUEUE>.lease.<name>` holding one token message. Every node consumes it; the broker
 * delivers the token to the one active consumer, which holds it unacknowledged for as long as it
 * lives. When that node goes away (its connection closes) the broker hands the token, and the
 * lease, to the next consumer. No clock, no election of parley's own.
 * @module
 */
import type { Channel, ChannelModel } from "amqplib";
import type { Logger } from "../logger";

export interface LeaseOptions {
  /** Prefix of the lease queues (`<AMQP_QUEUE>.lease`). */
  prefix: string;
  names: readonly string[];
  logger: Logger;
  /** Told whenever this node gains or loses a lease. */
  onChange?: (name: string, held: boolean) => void;
}

export class RabbitLeases {
  readonly #options: LeaseOptions;
  readonly #held = new Set<string>();
  #channels: Channel[] = [];

  constructor(options: LeaseOptions) {
    this.#options = options;
  }

  /** Whether this node holds the lease `name` now. */
  holds(name: string): boolean {
    return this.#held.has(name);
  }

  /** The leases this node holds. */
  held(): string[] {
    return [...this.#held];
  }

  /** Joins every lease queue on a new connection (call on every connect). */
  async attach(model: ChannelModel): Promise<void> {
    for (const name of this.#options.names) {
      const queue = `${this.#options.prefix}.${name}`;
      const channel = await model.createChannel();
      channel.on("error", (error: Error) =>
        this.#options.logger.warn({ lease: name }, `lease channel closed: ${error.message}`),
      );
      await channel.assertQueue(queue, {
        durable: true,
        arguments: {
          "x-single-active-consumer": true,
          // One token ready at most: each node adds one when it joins, the extra ones drop.
          "x-max-length": 1,
          "x-overflow": "drop-head",
        },
      });
      await channel.prefetch(1);
      channel.sendToQueue(queue, Buffer.from(name), { persistent: true });
      await channel.consume(
        queue,
        (message) => {
          if (message && !this.#held.has(name)) {
            this.#held.add(name);
            this.#options.logger.info({ lease: name }, `holding the lease ${name}`);
            this.#options.onChange?.(name, true);
          }
        },
        { noAck: false },
      );
      this.#channels.push(channel);
    }
  }

  /** Forgets every lease: the connection is gone, and the broker hands them to other nodes. */
  detach(): void {
    this.#channels = [];
    const lost = [...this.#held];
    this.#held.clear();
    for (const name of lost) {
      this.#options.logger.warn({ lease: name }, `lost the lease ${name}`);
      this.#options.onChange?.(name, false);
    }
  }
}

/** The partition (0 … count−1) an endpoint's deliveries belong to: FNV-1a of its id. */
export function partitionOf(webhookId: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < webhookId.length; i += 1) {
    hash ^= webhookId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % count;
}
