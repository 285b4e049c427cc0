/**
 * Builds reconciliation with the media servers for the composition root: the conference search
 * over whichever bus parley runs on, the reconciler feeding the ingest, and its schedule.
 * @module
 */

import type { MemoryBus } from "../amqp/memory-bus";
import { createMemorySearch } from "../amqp/memory-search";
import { createRabbitSearch } from "../amqp/rabbit-search";
import type { RabbitBus } from "../amqp/rabbitmq";
import { synthesizeMessages } from "../amqp/reconcile-messages";
import type { Config } from "../config";
import type { AccountService } from "../domain/accounts";
import type { ConferenceService } from "../domain/conferences";
import type { Ingest } from "../domain/ingest";
import type { LiveState } from "../domain/live-state";
import { createReconciler, type Reconciler } from "../domain/reconcile";
import { type ReconcileSchedule, startReconcileSchedule } from "../domain/reconcile-schedule";
import { getOrCreateSetting, getSetting } from "../domain/settings";
import type { Db } from "../domain/store";
import type { WorkLeases } from "../domain/work-leases";
import type { Logger } from "../logger";
import { type Metrics, reasonKind } from "../metrics";
import { version } from "../version";
import type { Lifecycle } from "./lifecycle";

/** The settings key saying media servers answer searches (their silence then means something). */
const ANSWERS_KNOWN = "media_servers_answer_search";

export interface Reconciliation {
  reconciler: Reconciler;
  schedule: ReconcileSchedule;
  close(): Promise<void>;
}

/**
 * Sets reconciliation up on the embedded bus or RabbitMQ (before the bus starts: the search
 * opens its channel on each connection); `undefined` for a bus given by the caller.
 */
export function setUpReconciliation(deps: {
  config: Config;
  bus: { memory: MemoryBus } | { rabbit: RabbitBus } | undefined;
  db: Db;
  ingest: Ingest;
  live: LiveState;
  accounts: AccountService;
  conferences: ConferenceService;
  logger: Logger;
  appVersion: string;
  observeRefused(reason: string): void;
  /** Whether this node runs the scheduled rounds (the reconcile lease). */
  shouldRun?: () => boolean;
}): Reconciliation | undefined {
  const { config, bus, logger } = deps;
  if (!bus) {
    return undefined;
  }
  const options = { logger, appVersion: deps.appVersion, observeRefused: deps.observeRefused };
  const search =
    "memory" in bus
      ? createMemorySearch(bus.memory, options)
      : createRabbitSearch(bus.rabbit, {
          ...options,
          exchange: config.amqpExchange,
          queue: config.amqpQueue,
        });
  let known = getSetting(deps.db, ANSWERS_KNOWN) !== undefined;
  const reconciler = createReconciler({
    search,
    ingest: deps.ingest,
    live: deps.live,
    accountIds: () => deps.accounts.list().map((account) => account.id),
    ownerOf: (id) => deps.conferences.ownerOf(id),
    answersKnown: () => known,
    markAnswersKnown: () => {
      if (!known) {
        getOrCreateSetting(deps.db, ANSWERS_KNOWN, () => new Date().toISOString());
        known = true;
      }
    },
    logger,
    timeoutMs: config.reconcileTimeoutMs,
    synthesize: (roundId, planned) => synthesizeMessages(roundId, planned, deps.appVersion),
  });
  const schedule = startReconcileSchedule({
    reconciler,
    search,
    intervalMs: config.reconcileIntervalSeconds * 1000,
    logger,
    ...(deps.shouldRun ? { shouldRun: deps.shouldRun } : {}),
  });
  return {
    reconciler,
    schedule,
    async close() {
      schedule.stop();
      await reconciler.close();
    },
  };
}

/** Reconciliation for the parts the composition root has built, its stop registered. */
export function assembleReconciliation(
  config: Config,
  deps: {
    memoryBus: MemoryBus | undefined;
    rabbit: RabbitBus | undefined;
    store: { db: Db };
    ingest: Ingest;
    domain: { live: LiveState; accounts: AccountService; conferences: ConferenceService };
    logger: Logger;
    metrics: Metrics;
    leases: WorkLeases;
    lifecycle: Lifecycle;
  },
): Reconciliation | undefined {
  const { memoryBus, rabbit, domain, metrics } = deps;
  const reconciliation = setUpReconciliation({
    config,
    bus: memoryBus ? { memory: memoryBus } : rabbit ? { rabbit } : undefined,
    db: deps.store.db,
    ingest: deps.ingest,
    live: domain.live,
    accounts: domain.accounts,
    conferences: domain.conferences,
    logger: deps.logger,
    appVersion: version,
    observeRefused: (reason) => metrics.deadLettered.inc({ reason: reasonKind(reason) }),
    shouldRun: () => deps.leases.holds("reconcile"),
  });
  // The node that gains the reconcile lease runs a round: its predecessor may have died mid-way.
  deps.leases.onChange((name, held) => {
    if (name === "reconcile" && held) {
      reconciliation?.reconciler.run({ kind: "all" }, "lease").catch(() => {});
    }
  });
  deps.lifecycle.started("reconciliation", () => reconciliation?.close());
  return reconciliation;
}
