/**
 * Webhooks: subscriptions, the outbox the ingest writes into, and the dispatcher that sends.
 * Conference document changes reach it through the domain's signal; its backlog and attempts are
 * metrics. The dispatcher starts once parley listens and stops before the store closes.
 * @module
 */
import type { Config } from "../config";
import type { Store } from "../db/open";
import type { Entropy } from "../domain/ids";
import type { WorkLeases } from "../domain/work-leases";
import type { ParleyWrites } from "../domain/write-ops";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import { version } from "../version";
import type { DeriveContext } from "../webhooks/derive";
import { createDeriveContext } from "../webhooks/derive-context";
import type { ResolveHost } from "../webhooks/ssrf";
import { createWebhookSystem, type WebhookSystem } from "../webhooks/webhook-system";
import type { DomainPart } from "./domain";
import type { Lifecycle } from "./lifecycle";

export interface WebhooksPart {
  webhooks: WebhookSystem;
  /** What deriving needs of conferences and accounts (shared with side events). */
  context: DeriveContext;
  /** Starts sending; stopping is registered with the lifecycle. */
  start(lifecycle: Lifecycle): void;
}

export function assembleWebhooks(
  config: Config,
  deps: {
    store: Store;
    logger: Logger;
    now: () => number;
    entropy: Entropy;
    metrics: Metrics;
    domain: DomainPart;
    resolveHost: ResolveHost | undefined;
    /** Attempts' outcomes are writes of the log. */
    writes: ParleyWrites;
    /** Which endpoints this node sends for. */
    leases: WorkLeases;
  },
): WebhooksPart {
  const { metrics, domain } = deps;
  const context = createDeriveContext(domain);
  const webhooks = createWebhookSystem({
    db: deps.store.db,
    sqlite: deps.store.sqlite,
    logger: deps.logger,
    now: deps.now,
    entropy: deps.entropy,
    schedule: config.webhookRetrySchedule,
    allowPrivate: config.webhookAllowPrivateTargets,
    userAgent: `parley/${version}`,
    disableAfterMs: config.webhookDisableAfterHours * 3_600_000,
    ...(deps.resolveHost ? { resolveHost: deps.resolveHost } : {}),
    onAttempt: (ok, seconds, status) => {
      metrics.deliveries.inc({
        outcome: ok ? "succeeded" : status === undefined ? "no_answer" : "failed",
      });
      metrics.deliverySeconds.observe(seconds);
    },
    context,
    recordOutcomes: (outcomes) => deps.writes.run("delivery.outcomes", { outcomes }),
    owns: (webhookId) => deps.leases.ownsEndpoint(webhookId),
  });
  // A partition gained: its pending deliveries are this node's to send now.
  deps.leases.onChange(() => webhooks.dispatcher.wake());
  domain.conferenceChanges.on((change) =>
    webhooks.onConferenceChange(change.conference.accountId, change),
  );
  metrics.gauge({
    name: "parley_webhook_deliveries_pending",
    help: "Webhook deliveries not yet made, by state (pending: first attempt due; retrying: after a failure)",
    labelNames: ["state"],
    read: () => {
      const backlog = webhooks.backlog();
      return [
        { labels: { state: "pending" }, value: backlog.pending },
        { labels: { state: "retrying" }, value: backlog.retrying },
      ];
    },
  });
  return {
    webhooks,
    context,
    start(lifecycle) {
      webhooks.dispatcher.start();
      lifecycle.started("webhook dispatcher", () => webhooks.dispatcher.stop());
    },
  };
}
