/**
 * The WebSocket gateway on the HTTP server's upgrade: it joins the ingest (committed events) and
 * operator control (commands sent), replays from the event log for `resume_from`, and reports its
 * sockets as metrics. Stopped before the HTTP server closes, so sockets get a proper close frame.
 * @module
 */
import type { Server } from "node:http";
import type { Config } from "../config";
import type { Store } from "../db/open";
import { createEventLog } from "../domain/event-log";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import { attachGateway, type Gateway } from "../ws/gateway";
import type { DomainPart } from "./domain";
import type { IngestPart } from "./ingest";
import type { Lifecycle } from "./lifecycle";
import type { OperationsPart } from "./operations";

export function assembleGateway(
  config: Config,
  deps: {
    server: Server;
    store: Store;
    logger: Logger;
    now: () => number;
    metrics: Metrics;
    domain: DomainPart;
    ingest: IngestPart;
    operations: OperationsPart;
    lifecycle: Lifecycle;
  },
): Gateway {
  const { domain, metrics } = deps;
  const eventLog = createEventLog(deps.store.sqlite);
  const gateway = attachGateway(deps.server, {
    auth: domain.auth,
    logger: deps.logger,
    now: deps.now,
    ownerOf: (id) => domain.conferences.ownerOf(id) ?? domain.live.runtime(id)?.accountId,
    eventsAfter: (accountId, afterSeq, limit) => eventLog.eventsAfter(accountId, afterSeq, limit),
    prunedThrough: () => eventLog.prunedThrough(),
    heartbeatMs: config.wsHeartbeatMs,
    maxBufferedBytes: config.wsMaxBufferedBytes,
    maxConnectionsPerIp: config.wsMaxConnectionsPerIp,
    observe: {
      framesSent: (count) => metrics.framesSent.inc(count),
      dropped: (reason) => metrics.framesDropped.inc({ reason }),
    },
  });
  deps.lifecycle.started("WebSocket gateway", () => gateway.close());
  const unsubscribe = [
    deps.ingest.ingest.onCommitted((events) => gateway.publishEvents(events)),
    deps.operations.commandsSent.on((accountId, commands) =>
      gateway.publishCommands(accountId, commands),
    ),
  ];
  deps.lifecycle.started("WebSocket feeds", () => {
    for (const off of unsubscribe) {
      off();
    }
  });
  metrics.gauge({
    name: "parley_ws_connections",
    help: "Open WebSocket connections",
    read: () => gateway.connections,
  });
  metrics.gauge({
    name: "parley_ws_subscriptions",
    help: "Active WebSocket bindings",
    read: () => gateway.subscriptions,
  });
  return gateway;
}
