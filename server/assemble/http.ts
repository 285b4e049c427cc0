/**
 * The HTTP edge: the Hono app over every route group, served by @hono/node-server on the
 * configured address. Readiness asks the store whether a write still commits and the bus whether
 * it is connected. Listening is the step most likely to fail (a port in use); the server is
 * registered for stopping only once it listens.
 * @module
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { createAdaptorServer } from "@hono/node-server";
import type { Config } from "../config";
import type { Store } from "../db/open";
import { createWriteProbe } from "../db/write-probe";
import type { LogState } from "../domain/catch-up";
import type { Reconciler } from "../domain/reconcile";
import type { ParleyWrites } from "../domain/write-ops";
import { createHttpApp } from "../http/app";
import type { ContractViolationReporter } from "../http/contract-check";
import type { HttpApp } from "../http/env";
import type { HealthReport } from "../http/health";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import { version } from "../version";
import type { Bus } from "./bus";
import type { DomainPart } from "./domain";
import type { IngestPart } from "./ingest";
import type { Lifecycle } from "./lifecycle";
import type { OperationsPart } from "./operations";
import type { WebhooksPart } from "./webhooks";

export interface HttpPart {
  app: HttpApp;
  server: Server;
  port: number;
  /** How this process reaches itself: the listening address (loopback for a wildcard host). */
  url: string;
  /** This node's name: `PARLEY_NODE_ID`, else the host's name and the port. */
  node: string;
}

/** The start-up line: where parley listens, on which bus, with which database. */
export function announceListening(
  logger: Logger,
  config: Config,
  port: number,
  bus: Bus,
  busText: string,
): void {
  logger.info(
    {
      port,
      bus: bus.kind,
      bus_connected: bus.isConnected(),
      database: config.databasePath,
      database_sync: config.databaseSync,
    },
    `parley listening on port ${port} (${busText})`,
  );
}

/** Ready when a write commits, the broker (if any) is connected and the log caught up. */
function healthCheck(
  store: Store,
  bus: Bus,
  now: () => number,
  log: () => LogState,
  node: () => string,
): () => HealthReport {
  const writes = createWriteProbe(store.sqlite, { now });
  return () => {
    const busState: HealthReport["bus"] =
      bus.kind === "embedded" ? "embedded" : bus.isConnected() ? "connected" : "disconnected";
    const probe = writes.check();
    const common = { node: node(), bus: busState, log: log() };
    return probe.ok
      ? { database: "ok", ...common }
      : { database: "not_writable", database_error: probe.reason, ...common };
  };
}

export async function assembleHttp(
  config: Config,
  deps: {
    store: Store;
    bus: Bus;
    logger: Logger;
    now: () => number;
    metrics: Metrics;
    domain: DomainPart;
    operations: OperationsPart;
    ingest: IngestPart;
    webhooks: WebhooksPart;
    reconciler: Reconciler | undefined;
    writes: ParleyWrites;
    lifecycle: Lifecycle;
    /** Whether this node follows the log (readiness). */
    logState: () => LogState;
    onContractViolation?: ContractViolationReporter | undefined;
  },
): Promise<HttpPart> {
  const { store, now, metrics, domain, operations } = deps;
  const { webhooks } = deps.webhooks;
  // The default name includes the port, known once listening (before any request is served).
  const info = { version, node: config.nodeId ?? hostname(), now };
  const app = createHttpApp({
    info,
    logger: deps.logger,
    onContractViolation: deps.onContractViolation,
    bodyLimit: config.httpBodyLimit,
    auth: domain.auth,
    accounts: domain.accounts,
    tokens: domain.tokens,
    conferences: domain.conferences,
    views: domain.views,
    history: domain.history,
    live: domain.live,
    control: operations.control,
    writes: deps.writes,
    reconciler: deps.reconciler,
    health: healthCheck(store, deps.bus, now, deps.logState, () => info.node),
    webhooks: {
      info,
      subscriptions: webhooks.subscriptions,
      deliveryLog: webhooks.deliveryLog,
    },
    meetings: {
      auth: domain.auth,
      meetings: operations.meetings,
      meetingJson: operations.meetingJson,
      sideEvents: deps.ingest.sideEvents,
      logger: deps.logger,
    },
    metrics: {
      text: async () => ({
        contentType: metrics.registry.contentType,
        body: await metrics.registry.metrics(),
      }),
      request: (method, route, status, seconds) => {
        metrics.httpRequests.inc({ method, route, status: String(status) });
        metrics.httpSeconds.observe({ method, route }, seconds);
      },
    },
    downloads: {
      signer: domain.signer,
      sideEvents: deps.ingest.sideEvents,
      sqlite: store.sqlite,
      recordingsDir: config.recordingsDir,
    },
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  deps.lifecycle.started("HTTP server", () => closeServer(server));
  const { port } = server.address() as AddressInfo;
  info.node = config.nodeId ?? `${hostname()}:${port}`;
  metrics.gauge({
    name: "parley_node_info",
    help: "1, labelled with this node's name",
    labelNames: ["node"],
    read: () => [{ labels: { node: info.node }, value: 1 }],
  });
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  return { app, server, port, url: `http://${host}:${port}`, node: info.node };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
