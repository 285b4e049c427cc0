/**
 * Assembles the webhook publisher from its parts (subscriptions, deriver, outbox, dispatcher,
 * delivery log) for the composition root, and exposes the two hooks the rest of parley feeds it:
 * live-state transitions and conference document changes, both inside their transactions.
 * @module
 */

import { hostname } from "node:os";
import type Database from "better-sqlite3";
import type { Db } from "../db/open";
import type { ConferenceChange } from "../domain/conferences";
import type { Fact } from "../domain/facts";
import type { Entropy } from "../domain/ids";
import type { Transition } from "../domain/transitions";
import type { Logger } from "../logger";
import { createDeliveryLog, type DeliveryLog } from "./delivery-log";
import { type AttemptOutcome, createDeliveryOutcomes } from "./delivery-outcomes";
import { createDeriver, type DeriveContext, newEventId } from "./derive";
import { createDispatcher, type Dispatcher } from "./dispatcher";
import { createOutbox, type Outbox } from "./outbox";
import { createSender } from "./sender";
import type { ResolveHost } from "./ssrf";
import type { Subscription } from "./subscription-body";
import { createSubscriptionStore, type SubscriptionStore } from "./subscriptions";

export interface WebhookSystem {
  subscriptions: SubscriptionStore;
  outbox: Outbox;
  deliveryLog: DeliveryLog;
  dispatcher: Dispatcher;
  /** Ingest hook: derive and store the webhook events of one applied AMQP event. */
  onTransitions(
    transitions: Transition[],
    source: { seq: number; at: number; raw: Record<string, unknown> },
  ): void;
  /** Stores domain facts (meetings, recordings, chat…) for delivery; call inside a transaction. */
  publish(facts: Fact[]): void;
  /** Conference service hook: `conference.created|updated|deleted`. */
  onConferenceChange(accountId: string, change: ConferenceChange): void;
  /** Deliveries still to be made, by state (the metrics gauge). */
  backlog(): { pending: number; retrying: number };
  /** Queues a `webhook.ping` for one endpoint, whatever its filters; returns the delivery id. */
  ping(subscription: Subscription): string;
  /** Records what the dispatcher reported about its attempts (the write every node applies). */
  recordOutcomes(outcomes: AttemptOutcome[]): void;
}

export function createWebhookSystem(deps: {
  db: Db;
  sqlite: Database.Database;
  logger: Logger;
  now: () => number;
  /** Where ids come from: the applied log entry's, so every node makes the same deliveries. */
  entropy: Entropy;
  context: DeriveContext;
  schedule: number[];
  allowPrivate: boolean;
  userAgent: string;
  disableAfterMs?: number;
  resolveHost?: ResolveHost;
  /** Told about every attempt's outcome and duration (metrics). */
  onAttempt?: (ok: boolean, seconds: number, status: number | undefined) => void;
  /** How attempts' outcomes are recorded (a write of the log); locally by default. */
  recordOutcomes?: (outcomes: AttemptOutcome[]) => Promise<void>;
  /** Whether this node sends for an endpoint; every endpoint by default. */
  owns?: (webhookId: string) => boolean;
}): WebhookSystem {
  const { db, sqlite, logger, now } = deps;
  const { entropy } = deps;
  const subscriptions = createSubscriptionStore({
    db,
    now,
    entropy,
    allowPrivate: deps.allowPrivate,
    ...(deps.resolveHost ? { resolveHost: deps.resolveHost } : {}),
  });
  const outbox = createOutbox({
    sqlite,
    now,
    entropy,
    activeSubscriptions: (id) => subscriptions.active(id),
  });
  const deriver = createDeriver(deps.context, entropy);
  const deliveryLog = createDeliveryLog({ sqlite, now });
  const outcomes = createDeliveryOutcomes({
    sqlite,
    logger,
    now,
    entropy,
    subscriptions,
    schedule: deps.schedule,
    disableAfterMs: deps.disableAfterMs ?? 5 * 24 * 60 * 60 * 1000,
  });
  const dispatcher = createDispatcher({
    sqlite,
    logger,
    now,
    subscriptions,
    domain: hostname(),
    recordOutcomes:
      deps.recordOutcomes ??
      (async (reported) => sqlite.transaction(() => outcomes.recordAll(reported))()),
    ...(deps.owns ? { owns: deps.owns } : {}),
    sender: createSender({
      allowPrivate: deps.allowPrivate,
      userAgent: deps.userAgent,
      ...(deps.resolveHost ? { resolveHost: deps.resolveHost } : {}),
    }),
    onAttempt: (_id, result) => {
      const ok = result.status !== undefined && result.status >= 200 && result.status < 300;
      deps.onAttempt?.(ok, result.durationMs / 1000, result.status);
    },
  });
  const countOpen = sqlite.prepare(
    "SELECT status, count(*) AS n FROM deliveries WHERE status IN ('pending', 'retrying') GROUP BY status",
  );
  return {
    backlog() {
      const counts = { pending: 0, retrying: 0 };
      for (const row of countOpen.all() as Array<{ status: "pending" | "retrying"; n: number }>) {
        counts[row.status] = row.n;
      }
      return counts;
    },
    subscriptions,
    outbox,
    deliveryLog,
    dispatcher,
    recordOutcomes(reported) {
      outcomes.recordAll(reported);
    },
    ping(sub) {
      const deliveryId = sqlite.transaction(() =>
        outbox.enqueueFor(sub, {
          id: newEventId(entropy),
          accountId: sub.accountId,
          conferenceId: null,
          type: "webhook.ping",
          seq: null,
          occurredAt: now(),
          data: { event: "webhook.ping", webhook: { id: sub.id, name: sub.name } },
          raw: null,
          extra: {},
        }),
      )();
      dispatcher.wake();
      return deliveryId;
    },
    onTransitions(transitions, source) {
      const accountId = transitions[0]?.run.accountId;
      // Nothing subscribed, nothing to derive: the common case costs one map lookup.
      if (accountId && subscriptions.active(accountId).length > 0) {
        outbox.enqueue(deriver.derive(transitions, source));
      }
    },
    publish(facts) {
      if (
        facts.length > 0 &&
        outbox.enqueue(facts.map((fact) => ({ ...fact, id: newEventId(entropy) }))) > 0
      ) {
        // Runs after the caller's transaction commits: the dispatcher pumps on the next turn.
        dispatcher.wake();
      }
    },
    onConferenceChange(accountId, change) {
      const { conference } = change;
      const created = outbox.enqueue([
        {
          id: newEventId(entropy),
          accountId,
          conferenceId: conference.id,
          type: change.type,
          seq: null,
          occurredAt: now(),
          data: { event: change.type, conference: conference.doc },
          raw: null,
          extra: {},
        },
      ]);
      if (created > 0) {
        dispatcher.wake();
      }
    },
  };
}
