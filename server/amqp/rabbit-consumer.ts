/**
 * Turns RabbitMQ deliveries into the ingest's batches and settles them. Messages that arrive in
 * one event-loop turn form a batch; acks taken while the batch is handled are sent together, as
 * one `multiple` ack when every message of the batch committed. An invalid message is
 * dead-lettered by publishing it (confirmed) to `<queue>.dead` with an `x-parley-error` header,
 * then acknowledged; while such publishes are out, acks go one by one (a `multiple` ack would
 * settle the message awaiting its confirm too).
 * @module
 */
import type { ConsumeMessage } from "amqplib";
import type { InboundMessage, MessageBatchHandler } from "../domain/event-source";
import { decodeInbound } from "./decode-inbound";
import { type Link, publishConfirmed } from "./rabbit-link";

export interface ConsumerOptions {
  deadQueue: string;
  confirmTimeoutMs: number;
  /** The bus's live link: a message from any other one can no longer be settled. */
  currentLink(): Link | undefined;
}

export class BatchConsumer {
  readonly #options: ConsumerOptions;
  #handler: MessageBatchHandler | undefined;
  #pending: Array<{ link: Link; message: ConsumeMessage }> = [];
  #flushScheduled = false;
  /** Resolves once the last batch handed over has sent its acks. */
  #settled: Promise<void> = Promise.resolve();
  /** Dead-letter publishes awaiting confirm. */
  #deadLettersInFlight = 0;

  constructor(options: ConsumerOptions) {
    this.#options = options;
  }

  /** Where batches go from now on. */
  handleWith(handler: MessageBatchHandler): void {
    this.#handler = handler;
  }

  /** Queues a delivery from `link` for this turn's batch. */
  receive(link: Link, message: ConsumeMessage): void {
    this.#pending.push({ link, message });
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  /** Forgets deliveries not handled yet: their link is gone and the broker redelivers them. */
  dropPending(): void {
    this.#pending = [];
  }

  /**
   * Hands the pending deliveries to the handler now and, once it has settled them, sends the
   * acks it took: one `multiple` ack when all of the batch was acknowledged.
   */
  async flush(): Promise<void> {
    this.#flushScheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    const link = this.#options.currentLink();
    if (batch.length === 0 || !this.#handler || !link) {
      return;
    }
    const acked: ConsumeMessage[] = [];
    const messages = batch
      .filter((delivery) => delivery.link === link)
      .map(({ message }) => this.#toInbound(link, message, acked));
    // A `multiple` ack settles everything before it on the channel: batches send theirs in order.
    const earlier = this.#settled;
    const settled = (async () => {
      try {
        await this.#handler?.(messages);
      } finally {
        await earlier;
        this.#sendAcks(link, acked, messages.length);
      }
    })();
    this.#settled = settled.catch(() => {});
    await settled;
  }

  #sendAcks(link: Link, acked: ConsumeMessage[], batchSize: number): void {
    const last = acked[acked.length - 1];
    if (this.#options.currentLink() !== link || !last) {
      return;
    }
    if (acked.length === batchSize && this.#deadLettersInFlight === 0) {
      link.consume.ack(last, true);
    } else {
      for (const message of acked) {
        link.consume.ack(message);
      }
    }
  }

  /** The message as the ingest sees it; its ack joins `acked`, sent when the batch is done. */
  #toInbound(link: Link, message: ConsumeMessage, acked: ConsumeMessage[]): InboundMessage {
    const alive = () => this.#options.currentLink() === link;
    return {
      routingKey: message.fields.routingKey,
      event: decodeInbound(message.fields.routingKey, message.content),
      receivedAt: performance.now(),
      ack: () => {
        acked.push(message);
      },
      requeue: () => {
        if (alive()) {
          link.consume.nack(message, false, true);
        }
      },
      reject: (reason) => {
        if (alive()) {
          this.#deadLetter(link, message, reason, alive);
        }
      },
    };
  }

  #deadLetter(link: Link, message: ConsumeMessage, reason: string, alive: () => boolean): void {
    this.#deadLettersInFlight += 1;
    const copy = {
      exchange: "",
      routingKey: this.#options.deadQueue,
      body: message.content,
      properties: {
        persistent: true,
        contentType: message.properties.contentType,
        headers: {
          ...message.properties.headers,
          "x-parley-error": reason,
          "x-original-exchange": message.fields.exchange,
          "x-original-routing-key": message.fields.routingKey,
        },
      },
    };
    publishConfirmed(link.publish, copy, this.#options.confirmTimeoutMs)
      .then(() => alive() && link.consume.ack(message))
      .catch(() => alive() && link.consume.nack(message, false, false))
      .finally(() => {
        this.#deadLettersInFlight -= 1;
      });
  }
}
