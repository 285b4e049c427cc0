/**
 * The composition root: the one place that builds parley's object graph from a `Config` and
 * returns a running server. Everything below it receives its dependencies as parameters.
 * @module
 */
import { createHash } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { createAdaptorServer } from "@hono/node-server";
import { brokerAddress } from "./amqp/broker-link-state";
import { createMemoryBus, type MemoryBus } from "./amqp/memory-bus";
import { createRabbitBus, type RabbitBus } from "./amqp/rabbitmq";
import type { Config } from "./config";
import { openStore, type Store } from "./db/open";
import { createWriteProbe } from "./db/write-probe";
import { createAccountService } from "./domain/accounts";
import { createAuthenticator } from "./domain/auth";
import type { CommandBus } from "./domain/command-bus";
import { createConferenceViews } from "./domain/conference-views";
import { createConferenceService } from "./domain/conferences";
import { createConferenceControl } from "./domain/control";
import { createEventLog } from "./domain/event-log";
import type { EventSource } from "./domain/event-source";
import { newSecret, sha256Hex } from "./domain/ids";
import { createIngest, type Ingest } from "./domain/ingest";
import { createLiveState } from "./domain/live-state";
import { createMeetingService } from "./domain/meetings";
import { createSessionLog } from "./domain/session-log";
import { getOrCreateSetting } from "./domain/settings";
import { createSideEvents } from "./domain/side-events";
import { createUrlSigner } from "./domain/signed-urls";
import { createTokenService, installationKey } from "./domain/tokens";
import type { RunInfo } from "./domain/transitions";
import { createHttpApp } from "./http/app";
import type { HttpApp } from "./http/env";
import type { HealthReport } from "./http/health";
import { meetingFormatter } from "./http/meeting-format";
import { createLogger, type Logger, prettyDestination } from "./logger";
import { createMetrics, reasonKind } from "./metrics";
import { setUpReconciliation } from "./reconcile-setup";
import { runSimulation, type SimulationHandle } from "./simulator/run-simulation";
import { version } from "./version";
import { type DeriveContext, meetingOf } from "./webhooks/derive";
import { meetingNoticeFact } from "./webhooks/meeting-payloads";
import { sideEventFacts } from "./webhooks/side-payloads";
import type { ResolveHost } from "./webhooks/ssrf";
import { createWebhookSystem } from "./webhooks/webhook-system";
import { attachGateway, type Gateway } from "./ws/gateway";

/** Parts a caller (tests, the CLI) may supply instead of the defaults. */
export interface ServerOverrides {
  logger?: Logger;
  /** Clock in Unix milliseconds. */
  now?: () => number;
  /** Event source and command bus; defaults to RabbitMQ or the embedded bus per `AMQP_URL`. */
  bus?: EventSource & CommandBus;
  /** Resolves webhook host names instead of DNS (tests of the SSRF guard). */
  resolveHost?: ResolveHost;
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
  const now = overrides.now ?? Date.now;
  const store = openStore(config.databasePath, { sync: config.databaseSync });
  const { db, sqlite } = store;

  let generatedAdminToken: string | undefined;
  const adminTokenHash = config.adminToken
    ? sha256Hex(config.adminToken)
    : getOrCreateSetting(db, "admin_token_hash", () => {
        generatedAdminToken = newSecret();
        return sha256Hex(generatedAdminToken);
      });

  const memoryBus = overrides.bus || config.amqpUrl ? undefined : createMemoryBus();
  const bus: EventSource & CommandBus =
    overrides.bus ??
    memoryBus ??
    createRabbitBus({
      url: config.amqpUrl ?? "",
      exchange: config.amqpExchange,
      queue: config.amqpQueue,
      logger,
    });
  const rabbit = overrides.bus || memoryBus ? undefined : (bus as RabbitBus);

  const accounts = createAccountService({ db, now });
  const tokens = createTokenService({
    keys: config.tokenKeys ?? [
      installationKey(getOrCreateSetting(db, "token_secret", () => newSecret())),
    ],
    ttlSeconds: config.tokenTtlSeconds,
    now,
  });
  const auth = createAuthenticator({ adminTokenHash, tokens, accounts });
  const deriveContext: DeriveContext = {
    conference: (id) => {
      const owner = conferences.ownerOf(id);
      const stored = owner ? conferences.find(owner, id) : undefined;
      const doc = stored?.doc;
      const numbers = doc
        ? [doc.conference_numbers, (doc.member as { numbers?: unknown })?.numbers].flat()
        : [];
      return {
        title: typeof doc?.name === "string" ? doc.name : id,
        createdAt: stored ? conferences.createdAt(id) : null,
        number: (numbers.find((n) => typeof n === "string") as string | undefined) ?? null,
      };
    },
    accountName: (id) => accounts.get(id)?.name ?? "",
  };
  const metrics = createMetrics({
    wsConnections: () => gateway?.connections ?? 0,
    wsSubscriptions: () => gateway?.subscriptions ?? 0,
    ...(bus.kind === "amqp" ? { amqpConnected: () => (bus.isConnected() ? 1 : 0) } : {}),
    webhookBacklog: () => webhooks.backlog(),
  });
  const webhooks = createWebhookSystem({
    db,
    sqlite,
    logger,
    now,
    schedule: config.webhookRetrySchedule,
    allowPrivate: config.webhookAllowPrivateTargets,
    userAgent: `parley/${version}`,
    disableAfterMs: config.webhookDisableAfterHours * 3_600_000,
    ...(overrides.resolveHost ? { resolveHost: overrides.resolveHost } : {}),
    onAttempt: (ok, seconds, status) => {
      metrics.deliveries.inc({
        outcome: ok ? "succeeded" : status === undefined ? "no_answer" : "failed",
      });
      metrics.deliverySeconds.observe(seconds);
    },
    context: deriveContext,
  });
  const conferences = createConferenceService({
    db,
    now,
    onChange: (change) => webhooks.onConferenceChange(change.conference.accountId, change),
  });
  const live = createLiveState({ db });
  const views = createConferenceViews({ conferences, live, now });
  let gateway: Gateway | undefined;
  const control = createConferenceControl({
    bus,
    appVersion: version,
    onSent: (accountId, commands) => gateway?.publishCommands(accountId, commands),
    onKickAll: (conferenceId) => ingest.markHostEnding(conferenceId),
  });
  let publicUrl = config.publicUrl ?? "";
  const signer = createUrlSigner({
    secret: getOrCreateSetting(db, "url_secret", () => newSecret()),
    baseUrl: () => publicUrl,
    now,
  });
  const transaction = <T>(fn: () => T): T => sqlite.transaction(fn)();
  const meetingJson = meetingFormatter(config.meetingUrlTemplate);
  const meetings = createMeetingService({
    db,
    now,
    conferences,
    record: (accountId, conferenceId, action, meetingId) =>
      control.record({ accountId, conferenceId }, action, `${meetingId}-${now()}.mp4`),
    publish: (notices) =>
      webhooks.publish(notices.map((notice) => meetingNoticeFact(notice, meetingJson))),
    transaction,
  });
  const sessions = createSessionLog(sqlite);
  const meetingObject = (
    conferenceId: string,
    accountId: string,
    options: { endedAt?: number | null; run?: RunInfo } = {},
  ) => {
    // Called inside the ingest transaction: read the store, not the cache.
    const runtime = live.runtimeNow(conferenceId);
    const run = runtime
      ? { conferenceId, accountId, instanceId: runtime.instanceId, startedAt: runtime.startedAt }
      : (options.run ?? { conferenceId, accountId, instanceId: null, startedAt: now() });
    const meeting = meetingOf(run, deriveContext, options.endedAt ?? undefined);
    return options.endedAt === null ? { ...meeting, endedAt: null } : meeting;
  };
  const sideEvents = createSideEvents({
    sqlite,
    signer,
    meetingByConference: (id) => meetings.byConference(id),
    isRunning: (id) => live.isRunningNow(id),
    lastEndedRun: (id) => sessions.lastEnded(id),
    publish: (notices) =>
      webhooks.publish(sideEventFacts(notices, { meeting: meetingJson, meetingObject })),
  });
  const ingest = createIngest({
    sqlite,
    sessions,
    logger,
    now,
    ownerOf: (id) => conferences.ownerOf(id),
    accountExists: (id) => accounts.get(id) !== undefined,
    onTransitions: (transitions, source) => {
      webhooks.onTransitions(transitions, source);
      sideEvents.onTransitions(transitions);
    },
    onSideEvent: (event, accountId, source) => sideEvents.apply(event, accountId, source),
    observe: {
      batch: (size, seconds) => {
        metrics.batchSize.observe(size);
        metrics.commitSeconds.observe(seconds);
      },
      refused: (reason) => metrics.deadLettered.inc({ reason: reasonKind(reason) }),
      lag: (seconds) => metrics.eventLagSeconds.observe(seconds),
    },
  });
  const reconciliation = setUpReconciliation({
    config,
    bus: memoryBus ? { memory: memoryBus } : rabbit ? { rabbit } : undefined,
    db,
    ingest,
    live,
    accounts,
    conferences,
    logger,
    appVersion: version,
    observeRefused: (reason) => metrics.deadLettered.inc({ reason: reasonKind(reason) }),
  });

  const writeProbe = createWriteProbe(sqlite, { now });
  const health = (): HealthReport => {
    const busState =
      bus.kind === "embedded" ? "embedded" : bus.isConnected() ? "connected" : "disconnected";
    const writes = writeProbe.check();
    return writes.ok
      ? { database: "ok", bus: busState }
      : { database: "not_writable", database_error: writes.reason, bus: busState };
  };

  const info = {
    version,
    node: createHash("sha256").update(hostname()).digest("base64url").slice(0, 22),
    now,
  };
  const app = createHttpApp({
    info,
    logger,
    bodyLimit: config.httpBodyLimit,
    auth,
    accounts,
    tokens,
    conferences,
    views,
    live,
    control,
    reconciler: reconciliation?.reconciler,
    health,
    webhooks: {
      info,
      subscriptions: webhooks.subscriptions,
      outbox: webhooks.outbox,
      deliveryLog: webhooks.deliveryLog,
      dispatcher: webhooks.dispatcher,
      now,
      runInTransaction: transaction,
    },
    meetings: { auth, meetings, meetingJson, sideEvents, logger },
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
    downloads: { signer, sideEvents, sqlite, recordingsDir: config.recordingsDir },
  });

  const httpServer = createAdaptorServer({ fetch: app.fetch });
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(config.port, config.host, () => {
      httpServer.off("error", reject);
      resolve();
    });
  });
  const { port } = httpServer.address() as AddressInfo;
  const eventLog = createEventLog(sqlite);
  gateway = attachGateway(httpServer as Server, {
    auth,
    logger,
    now,
    ownerOf: (id) => conferences.ownerOf(id) ?? live.runtime(id)?.accountId,
    eventsAfter: (accountId, afterSeq, limit) => eventLog.eventsAfter(accountId, afterSeq, limit),
    heartbeatMs: config.wsHeartbeatMs,
    maxBufferedBytes: config.wsMaxBufferedBytes,
    maxConnectionsPerIp: config.wsMaxConnectionsPerIp,
    observe: {
      framesSent: (count) => metrics.framesSent.inc(count),
      dropped: (reason) => metrics.framesDropped.inc({ reason }),
    },
  });
  const activeGateway = gateway;
  ingest.onCommitted((events) => {
    for (const event of events) {
      metrics.ingested(event.event);
    }
    live.invalidate(events.map((event) => event.conferenceId));
    activeGateway.publishEvents(events);
    webhooks.dispatcher.wake();
  });
  webhooks.dispatcher.start();
  const displayHost = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  publicUrl = config.publicUrl ?? `http://${displayHost}:${port}`;
  const reminders = setInterval(() => {
    try {
      if (meetings.sendDueReminders() > 0) {
        webhooks.dispatcher.wake();
      }
    } catch (error) {
      logger.error({ err: error }, "meeting reminders failed");
    }
  }, 1000);
  reminders.unref();

  try {
    await bus.start((batch) => ingest.handleBatch(batch));
  } catch (error) {
    // A refused broker login stops start-up: release what is already open.
    clearInterval(reminders);
    await reconciliation?.close();
    await webhooks.dispatcher.stop();
    await activeGateway.close();
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    await store.close();
    throw error;
  }
  const simulation = config.simulate
    ? await runSimulation({
        accounts,
        conferences,
        logger,
        memoryBus,
        amqp: config.amqpUrl ? { url: config.amqpUrl, exchange: config.amqpExchange } : undefined,
      })
    : undefined;
  reconciliation?.schedule.started();
  const busText =
    bus.kind === "embedded"
      ? "embedded in-process bus"
      : `RabbitMQ${config.amqpUrl ? ` at ${brokerAddress(config.amqpUrl)}` : ""}, ${bus.isConnected() ? "connected" : "not connected yet, retrying"}`;
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

  let closed = false;
  return {
    url: `http://${displayHost}:${port}`,
    port,
    app,
    store,
    logger,
    ingest,
    gateway: activeGateway,
    memoryBus,
    generatedAdminToken,
    simulation,
    async close() {
      if (closed) {
        return;
      }
      closed = true;
      clearInterval(reminders);
      await reconciliation?.close();
      await simulation?.stop();
      await bus.close();
      await webhooks.dispatcher.stop();
      await activeGateway.close();
      await new Promise<void>((resolve) => {
        if ("closeAllConnections" in httpServer) {
          httpServer.closeAllConnections();
        }
        httpServer.close(() => resolve());
      });
      await store.close();
    },
  };
}
