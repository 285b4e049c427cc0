/**
 * The real RabbitMQ for tests. Every test server gets its own exchange and queue names, so test
 * files running in parallel never steal each other's messages; the names are deleted afterwards.
 * A missing broker fails the test loudly: these tests exist to prove the broker path.
 */
import amqp, { type Channel, type ChannelModel, type GetMessage } from "amqplib";
import { onTestFinished, vi } from "vitest";
import { workLeaseNames } from "../../server/assemble/bus";
import type { ParleyServer } from "../../server/create-server";
import { hexId } from "./events";
import { startServer } from "./server";

export const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";

/** Connects to the broker or throws an error that says what is missing. */
export async function connectBroker(): Promise<ChannelModel> {
  try {
    return await amqp.connect(AMQP_URL);
  } catch (error) {
    throw new Error(
      `RabbitMQ is required for this test and is not reachable at ${AMQP_URL} (${(error as Error).message}). Start it with: rabbitmq-server -detached`,
    );
  }
}

/** Names for one isolated test topology. */
export interface Topology {
  exchange: string;
  queue: string;
  deadQueue: string;
}

/** Every queue a parley on `queue` declares: its own, the dead letters, the log, the leases. */
export function queuesOf(queue: string, partitions = 4): string[] {
  return [
    queue,
    `${queue}.dead`,
    `${queue}.log`,
    ...workLeaseNames(partitions).map((name) => `${queue}.lease.${name}`),
  ];
}

export function newTopology(): Topology {
  const id = hexId(6);
  return {
    exchange: `parley.test.${id}`,
    queue: `parley.test.${id}.events`,
    deadQueue: `parley.test.${id}.events.dead`,
  };
}

/** A test's own broker connection: publishes like a media server, watches commands and dead letters. */
export interface BrokerProbe {
  channel: Channel;
  publish(routingKey: string, body: unknown, options?: amqp.Options.Publish): void;
  /** Commands parley published on the test exchange, in arrival order. */
  commands: Array<{ routingKey: string; body: Record<string, unknown> }>;
  /** Reads every message currently in the dead-letter queue. */
  drainDeadLetters(): Promise<GetMessage[]>;
}

export async function brokerProbe(topology: Topology): Promise<BrokerProbe> {
  const connection = await connectBroker();
  const channel = await connection.createChannel();
  await channel.assertExchange(topology.exchange, "topic", { durable: true });
  const { queue: commandQueue } = await channel.assertQueue("", {
    exclusive: true,
    autoDelete: true,
  });
  await channel.bindQueue(commandQueue, topology.exchange, "conference.command.#");
  const commands: BrokerProbe["commands"] = [];
  await channel.consume(
    commandQueue,
    (message) => {
      if (message) {
        commands.push({
          routingKey: message.fields.routingKey,
          body: JSON.parse(message.content.toString()),
        });
      }
    },
    { noAck: true },
  );
  onTestFinished(async () => {
    const cleanup = await connection.createChannel().catch(() => undefined);
    if (cleanup) {
      for (const name of queuesOf(topology.queue)) {
        await cleanup.deleteQueue(name).catch(() => {});
      }
      await cleanup.deleteExchange(topology.exchange).catch(() => {});
    }
    await connection.close().catch(() => {});
  });
  return {
    channel,
    commands,
    publish(routingKey, body, options = {}) {
      const content = Buffer.isBuffer(body)
        ? body
        : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
      channel.publish(topology.exchange, routingKey, content, {
        contentType: "application/json",
        ...options,
      });
    },
    async drainDeadLetters() {
      const out: GetMessage[] = [];
      for (;;) {
        const message = await channel.get(topology.deadQueue, { noAck: true });
        if (!message) {
          return out;
        }
        out.push(message);
      }
    },
  };
}

/** Starts parley on RabbitMQ with its own topology and waits until it reports ready. */
export async function startBrokerServer(
  topology: Topology = newTopology(),
  env: Record<string, string> = {},
): Promise<{ server: ParleyServer; topology: Topology; probe: BrokerProbe }> {
  const probe = await brokerProbe(topology);
  const server = await startServer({
    AMQP_URL,
    AMQP_EXCHANGE: topology.exchange,
    AMQP_QUEUE: topology.queue,
    ...env,
  });
  await vi.waitFor(
    async () => {
      const res = await fetch(`${server.url}/readyz`);
      if (res.status !== 200) {
        throw new Error(`parley not ready on ${AMQP_URL}: ${await res.text()}`);
      }
    },
    { timeout: 10_000, interval: 20 },
  );
  return { server, topology, probe };
}
