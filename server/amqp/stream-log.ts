/**
 * The replicated log as a RabbitMQ stream (`<AMQP_QUEUE>.log`): every node of a cluster appends
 * to it with publisher confirms and reads all of it, from the position its store recorded, in
 * the stream's order. Positions are stream offsets (each delivery carries its `x-stream-offset`).
 * It rides on the bus's connection: on every (re)connect it declares the stream and resumes
 * reading after the last position applied.
 * @module
 */
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from "amqplib";
import type { LogBody, LogEntry, LogFollower, ReplicatedLog } from "../domain/replicated-log";
import type { Logger } from "../logger";
import { publishConfirmed } from "./rabbit-link";

export interface StreamLogOptions {
  /** The stream queue's name. */
  stream: string;
  /** Retention, as RabbitMQ's `x-max-age` (`7D`, `12h`, …). */
  maxAge: string;
  logger: Logger;
  confirmTimeoutMs?: number;
  /** Deliveries the broker may send ahead of what is applied. */
  prefetch?: number;
  /** How long to wait before handing a batch again when the store could not take it. */
  retryMs?: number;
}

/** Thrown (and logged) when the stream no longer holds entries this node has not applied. */
export class LogGapError extends Error {
  override name = "LogGapError";
}

interface Channels {
  publish: ConfirmChannel;
  read: Channel;
}

export class StreamLog implements ReplicatedLog {
  readonly kind = "stream" as const;
  readonly #options: StreamLogOptions;
  #channels: Channels | undefined;
  #follower: LogFollower | undefined;
  /** The last position applied (what reading resumes after). */
  #position: number | undefined;
  #pending: Array<{ entry: LogEntry; message: ConsumeMessage }> = [];
  #applying = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #broken: LogGapError | undefined;
  /** When applying started failing (the store could not take the entries), if it is failing. */
  #failingSince: number | undefined;
  /** Set on attach: the first delivery shows whether the stream still holds what we need. */
  #checkingStart = false;
  readonly #brokenListeners: Array<(error: Error) => void> = [];

  constructor(options: StreamLogOptions) {
    this.#options = options;
  }

  /** The reason this node stopped reading the log, if it did. */
  get broken(): LogGapError | undefined {
    return this.#broken;
  }

  onBroken(listener: (error: Error) => void): void {
    this.#brokenListeners.push(listener);
  }

  async follow(position: number | undefined, follower: LogFollower): Promise<void> {
    this.#position = position;
    this.#follower = follower;
  }

  /** Opens the stream's channels on a new connection and resumes reading; call on every connect. */
  async attach(model: ChannelModel): Promise<void> {
    const { stream, maxAge } = this.#options;
    const read = await model.createChannel();
    const publish = await model.createConfirmChannel();
    for (const channel of [read, publish]) {
      channel.on("error", (error: Error) =>
        this.#options.logger.warn({ stream }, `log stream channel closed: ${error.message}`),
      );
    }
    await read.assertQueue(stream, {
      durable: true,
      arguments: { "x-queue-type": "stream", "x-max-age": maxAge },
    });
    await read.prefetch(this.#options.prefetch ?? 1000);
    this.#pending = [];
    this.#channels = { publish, read };
    // Offsets are not contiguous (the stream skips some), so a gap shows only here: resume AT the
    // last entry applied, which must still be there; a node with none needs offset 0.
    const from = this.#position ?? "first";
    this.#checkingStart = true;
    await read.consume(
      stream,
      (message) => {
        if (message && this.#channels?.read === read) {
          this.#receive(message);
        }
      },
      { noAck: false, arguments: { "x-stream-offset": from } },
    );
  }

  /** Forgets the channels of a connection that is gone. */
  detach(): void {
    this.#channels = undefined;
    this.#pending = [];
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  async append(bodies: LogBody[]): Promise<void> {
    const channels = this.#channels;
    if (!channels) {
      throw new Error("the log stream is not reachable (no broker connection)");
    }
    // One stream message per append: a batch's entries share its offset and are applied
    // together (the broker stores and confirms a batch once, not once per entry).
    await publishConfirmed(
      channels.publish,
      {
        exchange: "",
        routingKey: this.#options.stream,
        body: Buffer.from(JSON.stringify(bodies)),
        properties: { persistent: true, contentType: "application/json" },
      },
      this.#options.confirmTimeoutMs ?? 5000,
    );
  }

  async close(): Promise<void> {
    this.detach();
    this.#follower = undefined;
  }

  #receive(message: ConsumeMessage): void {
    const offset = Number(message.properties.headers?.["x-stream-offset"]);
    if (this.#broken) {
      return;
    }
    if (this.#checkingStart) {
      this.#checkingStart = false;
      const expected = this.#position ?? 0;
      if (offset > expected) {
        this.#break(expected, offset);
        return;
      }
      if (offset === this.#position) {
        // The last entry applied, read again to prove the log still holds it.
        this.#ack(message);
        return;
      }
    }
    let bodies: LogBody[];
    try {
      const parsed = JSON.parse(message.content.toString("utf8")) as LogBody | LogBody[];
      bodies = Array.isArray(parsed) ? parsed : [parsed];
    } catch {
      this.#options.logger.error({ offset }, "unreadable log entry skipped");
      this.#ack(message);
      return;
    }
    for (const body of bodies) {
      this.#pending.push({ entry: { position: offset, body }, message });
    }
    if (!this.#applying) {
      this.#applying = true;
      setImmediate(() => this.#apply());
    }
  }

  /**
   * Acknowledges on the read channel (stream credit only: what is applied is in the store). A
   * channel whose connection is closing refuses; the next connection reads on from the position.
   */
  #ack(message: ConsumeMessage, upTo = false): void {
    try {
      this.#channels?.read.ack(message, upTo);
    } catch (error) {
      this.#options.logger.debug({ err: error }, "log acknowledgement dropped (channel closing)");
    }
  }

  #break(expected: number, offset: number): void {
    this.#broken = new LogGapError(
      `the log stream ${this.#options.stream} no longer holds position ${expected} (it starts at ${offset}): this node cannot catch up from the log; start it from a snapshot (PARLEY_SNAPSHOT)`,
    );
    this.#options.logger.error({ stream: this.#options.stream }, this.#broken.message);
    this.detach();
    for (const listener of this.#brokenListeners) {
      listener(this.#broken);
    }
  }

  /** Applies what arrived; on success acknowledges it (stream credit), else tries again later. */
  #apply(): void {
    const channels = this.#channels;
    const batch = this.#pending;
    if (!channels || !this.#follower || batch.length === 0) {
      this.#applying = false;
      return;
    }
    try {
      const result = this.#follower(batch.map(({ entry }) => entry));
      if (result instanceof Promise) {
        throw new Error("the log follower must apply synchronously");
      }
    } catch (error) {
      // Once per episode at error level, then quietly until the store takes them.
      const level = this.#failingSince === undefined ? "error" : "debug";
      this.#failingSince ??= Date.now();
      this.#options.logger[level](
        { err: error, size: batch.length },
        "log entries not committed (batch not committed); trying again",
      );
      this.#retryTimer = setTimeout(() => this.#apply(), this.#options.retryMs ?? 1000);
      return;
    }
    if (this.#failingSince !== undefined) {
      this.#options.logger.info(
        { after_ms: Date.now() - this.#failingSince },
        "log entries committed again",
      );
      this.#failingSince = undefined;
    }
    this.#pending = this.#pending.slice(batch.length);
    const last = batch[batch.length - 1];
    if (last) {
      this.#position = last.entry.position;
      this.#ack(last.message, true);
    }
    if (this.#pending.length > 0) {
      setImmediate(() => this.#apply());
    } else {
      this.#applying = false;
    }
  }
}
