/**
 * The message bus: RabbitMQ when `AMQP_URL` is set, else the embedded in-process bus (or one a
 * test supplies). Built early so the parts that publish or search can take it; started last,
 * once everything that handles its messages exists.
 * @module
 */
import { brokerAddress } from "../amqp/broker-link-state";
import { partitionOf, RabbitLeases } from "../amqp/leases";
import { createMemoryBus, type MemoryBus } from "../amqp/memory-bus";
import { InProcessLog } from "../amqp/memory-log";
import { createRabbitBus, type RabbitBus } from "../amqp/rabbitmq";
import { StreamLog } from "../amqp/stream-log";
import type { Config } from "../config";
import type { CommandBus } from "../domain/command-bus";
import type { EventSource } from "../domain/event-source";
import type { ReplicatedLog } from "../domain/replicated-log";
import { soleNodeLeases, type WorkLeases } from "../domain/work-leases";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import { Signal } from "./signal";

export type Bus = EventSource & CommandBus;

export interface BusPart {
  bus: Bus;
  /** The replicated log: the bus's stream with RabbitMQ, in-process otherwise. */
  log: ReplicatedLog & { positionKey: string };
  /** Which once-per-cluster work this node does (all of it without RabbitMQ). */
  leases: WorkLeases;
  /** The embedded bus, when parley runs without RabbitMQ. */
  memoryBus: MemoryBus | undefined;
  /** The RabbitMQ bus, when `AMQP_URL` is set. */
  rabbit: RabbitBus | undefined;
  /** What the start-up line says about the bus. */
  describe(): string;
}

export function assembleBus(
  config: Config,
  deps: { logger: Logger; metrics: Metrics; given?: Bus },
): BusPart {
  const memoryBus = deps.given || config.amqpUrl ? undefined : createMemoryBus();
  const rabbit =
    deps.given || memoryBus
      ? undefined
      : createRabbitBus({
          url: config.amqpUrl ?? "",
          exchange: config.amqpExchange,
          queue: config.amqpQueue,
          logger: deps.logger,
        });
  const bus: Bus = deps.given ?? memoryBus ?? (rabbit as RabbitBus);
  const log = rabbit ? streamLogOn(rabbit, config, deps.logger) : inProcessLog();
  const leases = rabbit ? leasesOn(rabbit, config, deps.logger) : soleNodeLeases;
  if (rabbit) {
    const names = workLeaseNames(config.workPartitions);
    leases.onChange((name, held) => {
      if (held) {
        deps.metrics.leaseAcquired.inc({ lease: name });
      }
    });
    deps.metrics.gauge({
      name: "parley_lease_held",
      help: "1 for each lease this node holds (webhooks.N, reminders, reconcile), else 0",
      labelNames: ["lease"],
      read: () => {
        const held = new Set(leases.held());
        return names.map((lease) => ({ labels: { lease }, value: held.has(lease) ? 1 : 0 }));
      },
    });
  }
  if (bus.kind === "amqp") {
    deps.metrics.gauge({
      name: "parley_amqp_connected",
      help: "1 while the RabbitMQ connection is up",
      read: () => (bus.isConnected() ? 1 : 0),
    });
  }
  return {
    bus,
    log,
    leases,
    memoryBus,
    rabbit,
    describe: () =>
      bus.kind === "embedded"
        ? "embedded in-process bus"
        : `RabbitMQ${config.amqpUrl ? ` at ${brokerAddress(config.amqpUrl)}` : ""}, ${bus.isConnected() ? "connected" : "not connected yet, retrying"}`,
  };
}

/** The cluster's log: `<AMQP_QUEUE>.log`, opened on each of the bus's connections. */
function streamLogOn(rabbit: RabbitBus, config: Config, logger: Logger) {
  const stream = `${config.amqpQueue}.log`;
  const log = new StreamLog({ stream, maxAge: config.logRetention, logger });
  rabbit.onConnected((model) => log.attach(model));
  rabbit.onLost(() => log.detach());
  return Object.assign(log, { positionKey: `log_position:${stream}` });
}

function inProcessLog() {
  return Object.assign(new InProcessLog(), { positionKey: "log_position" });
}

/** The once-per-cluster work, by lease: each is a queue `<AMQP_QUEUE>.lease.<name>`. */
export function workLeaseNames(partitions: number): string[] {
  return [
    ...Array.from({ length: partitions }, (_, k) => `webhooks.${k}`),
    "reminders",
    "reconcile",
  ];
}

/** The cluster's leases, joined on each of the bus's connections. */
function leasesOn(rabbit: RabbitBus, config: Config, logger: Logger): WorkLeases {
  const partitions = config.workPartitions;
  const changed = new Signal<[string, boolean]>();
  const leases = new RabbitLeases({
    prefix: `${config.amqpQueue}.lease`,
    names: workLeaseNames(partitions),
    logger,
    onChange: (name, held) => changed.emit(name, held),
  });
  rabbit.onConnected((model) => leases.attach(model));
  rabbit.onLost(() => leases.detach());
  return {
    ownsEndpoint: (webhookId) => leases.holds(`webhooks.${partitionOf(webhookId, partitions)}`),
    holds: (name) => leases.holds(name),
    held: () => leases.held(),
    onChange: (listener) => changed.on(listener),
  };
}
