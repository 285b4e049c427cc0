/**
 * The composition root: builds parley from a `Config`, part by part in dependency order, and
 * stops the parts in reverse, after a clean run or a start that failed halfway. Each part is
 * assembled in `server/assemble/`; everything below receives its dependencies as parameters.
 * @module
 */
import { randomUUID } from "node:crypto";
import type { MemoryBus } from "./amqp/memory-bus";
import { assembleBus, type Bus } from "./assemble/bus";
import { assembleCatchUp } from "./assemble/catch-up";
import { assembleDomain } from "./assemble/domain";
import { assembleGateway } from "./assemble/gateway";
import { announceListening, assembleHttp } from "./assemble/http";
import { assembleIngest } from "./assemble/ingest";
import { Lifecycle } from "./assemble/lifecycle";
import { assembleOperations } from "./assemble/operations";
import { assembleReconciliation } from "./assemble/reconciliation";
import { startRetention } from "./assemble/retention";
import { assembleWebhooks } from "./assemble/webhooks";
import { logWrites, writeHandlers } from "./assemble/writes";
import type { Config } from "./config";
import { openStore, type Store, StoreOpenError } from "./db/open";
import { seedFromSnapshot } from "./db/snapshot";
import { EntryWaiters } from "./domain/entry-waiters";
import { createHostEndingMark } from "./domain/host-ending";
import type { Ingest } from "./domain/ingest";
import { InstallationSecrets } from "./domain/installation-secrets";
import { Replay } from "./domain/replay";
import type { ContractViolationReporter } from "./http/contract-check";
import type { HttpApp } from "./http/env";
import { createLogger, type Logger, prettyDestination } from "./logger";
import { createMetrics } from "./metrics";
import { runSimulation, type SimulationHandle } from "./simulator/run-simulation";
import type { ResolveHost } from "./webhooks/ssrf";
import type { Gateway } from "./ws/gateway";

/** Parts a caller (tests, the CLI) may supply instead of the defaults. */
export interface ServerOverrides {
  logger?: Logger;
  /** Clock in Unix milliseconds. */
  now?: () => number;
  /** Event source and command bus; defaults to RabbitMQ or the embedded bus per `AMQP_URL`. */
  bus?: Bus;
  /** Resolves webhook host names instead of DNS (tests of the SSRF guard). */
  resolveHost?: ResolveHost;
  /** Test-only: checks every HTTP answer against its route's declared contract. */
  onContractViolation?: ContractViolationReporter;
}

/** A running parley. */
export interface ParleyServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  app: HttpApp;
  store: Store;
  logger: Logger;
  ingest: Ingest;
  /** The WebSocket gateway at `/ws`. */
  gateway: Gateway;
  /** The embedded bus, when parley runs without RabbitMQ. */
  memoryBus: MemoryBus | undefined;
  /** This node's name in the cluster (`PARLEY_NODE_ID`, else host:port). */
  node: string;
  /** Set only on the start that generated the admin token: print it once, it is not stored. */
  generatedAdminToken: string | undefined;
  /** The built-in switch simulator, when `PARLEY_SIMULATE=1`. */
  simulation: SimulationHandle | undefined;
  /** Stops consuming, closes connections and the database. */
  close(): Promise<void>;
}

/** Builds and starts parley. */
export async function createServer(
  config: Config,
  overrides: ServerOverrides = {},
): Promise<ParleyServer> {
  const logger =
    overrides.logger ??
    createLogger(
      config.logLevel,
      process.stdout.isTTY ? prettyDestination(process.stdout) : undefined,
    );
  // Applying the log reads the entry's time and draws ids from the entry (same on every node).
  const replay = new Replay(overrides.now ?? Date.now);
  const { now } = replay;
  const lifecycle = new Lifecycle(logger);
  try {
    seedDatabase(config, logger);
    const store = openStore(config.databasePath, { sync: config.databaseSync });
    lifecycle.started("database", () => store.close());
    const metrics = createMetrics();
    const { bus, log, leases, memoryBus, rabbit, describe } = assembleBus(config, {
      logger,
      metrics,
      ...(overrides.bus ? { given: overrides.bus } : {}),
    });
    // Decided by the first join in the log, the same on every node.
    const secretsKey = `secrets_decided:${log.positionKey}`;
    const secrets = new InstallationSecrets(store.sqlite, config, secretsKey);
    const domain = assembleDomain(config, { store, secrets, now, entropy: replay });
    // Every change is written to the log and answered once this node applied it.
    const waiters = new EntryWaiters();
    const writes = logWrites(log, waiters, { newEntryId: () => randomUUID(), now });
    const base = { store, logger, now, entropy: replay, replay, metrics, domain, writes, leases };
    const webhooks = assembleWebhooks(config, { ...base, resolveHost: overrides.resolveHost });
    const operations = assembleOperations(config, { ...base, bus, webhooks: webhooks.webhooks });
    const handlers = writeHandlers({
      domain,
      webhooks: webhooks.webhooks,
      meetings: operations.meetings,
      markHostEnding: createHostEndingMark(store.sqlite, now),
      secrets,
      sqlite: store.sqlite,
      now,
    });
    let node = config.nodeId ?? "";
    const { catchUp, joinInProcess } = assembleCatchUp({
      ...base,
      log,
      rabbit,
      secrets,
      lifecycle,
      node: () => node,
    });
    const ingest = assembleIngest({
      ...base,
      operations,
      webhooks,
      log,
      writes: handlers,
      waiters,
    });
    const reconciliation = assembleReconciliation(config, {
      ...base,
      memoryBus,
      rabbit,
      ingest: ingest.ingest,
      lifecycle,
    });
    const http = await assembleHttp(config, {
      ...base,
      bus,
      operations,
      ingest,
      webhooks,
      reconciler: reconciliation?.reconciler,
      lifecycle,
      logState: () => catchUp.state,
      onContractViolation: overrides.onContractViolation,
    });
    const gateway = assembleGateway(config, {
      ...base,
      server: http.server,
      ingest,
      operations,
      lifecycle,
    });
    node = http.node;
    domain.setPublicUrl(http.url);
    await ingest.follow();
    lifecycle.started("log", () => log.close());
    lifecycle.started("message bus", () => bus.close());
    // Started after the log, so they stop before it: what they record on the way out is written.
    webhooks.start(lifecycle);
    operations.startReminders(lifecycle, leases);
    // Events committed in the last second mean ingest is busy: retention then yields more.
    let lastCommit = Number.NEGATIVE_INFINITY;
    ingest.ingest.onCommitted(() => {
      lastCommit = performance.now();
    });
    startRetention(config, {
      ...base,
      lifecycle,
      ingestBusy: () => performance.now() - lastCommit < 1000,
    });
    await bus.start((batch) => ingest.ingest.handleBatch(batch));
    joinInProcess();
    // Answer once caught up (or clearly unable to be), so the API is usable when start returns.
    await catchUp.settled();
    const simulation = config.simulate
      ? await runSimulation({
          accounts: domain.accounts,
          conferences: domain.conferences,
          writes,
          logger,
          memoryBus,
          amqp: config.amqpUrl ? { url: config.amqpUrl, exchange: config.amqpExchange } : undefined,
        })
      : undefined;
    lifecycle.started("simulator", () => simulation?.stop());
    reconciliation?.schedule.started();
    announceListening(logger, config, http.port, bus, describe());
    return {
      url: http.url,
      port: http.port,
      app: http.app,
      store,
      logger,
      ingest: ingest.ingest,
      gateway,
      memoryBus,
      node,
      generatedAdminToken: secrets.takeGeneratedAdminToken(),
      simulation,
      close: () => lifecycle.stopAll(),
    };
  } catch (error) {
    // Whatever started before the failure (database, checkpointer, sockets) is stopped.
    await lifecycle.stopAll();
    throw error;
  }
}

/** A new node with `PARLEY_SNAPSHOT` starts from the snapshot instead of an empty database. */
function seedDatabase(config: Config, logger: Logger): void {
  if (!config.snapshotPath) {
    return;
  }
  try {
    if (seedFromSnapshot(config.databasePath, config.snapshotPath)) {
      logger.info({ snapshot: config.snapshotPath }, "database seeded from the snapshot");
    }
  } catch (cause) {
    throw new StoreOpenError(`cannot seed ${config.databasePath}: ${(cause as Error).message}`, {
      cause,
    });
  }
}
