/**
 * Webhook subscriptions of an account: create, read, replace, merge, delete, rotate the secret,
 * enable and disable. Validated against `protocol/webhooks.ts`, URLs checked by the SSRF guard.
 * Keeps an in-memory copy per account for the outbox, refreshed on every change.
 * @module
 */
import { randomBytes } from "node:crypto";
import { and, asc, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { toValidationErrors } from "../../protocol/validation";
import { type WebhookBody, webhookBody } from "../../protocol/webhooks";
import type { Db } from "../db/open";
import { webhooks } from "../db/schema";
import { badIdentifier, validationFailed } from "../domain/errors";
import { deepMerge, isPlainObject } from "../domain/merge";
import { setQueuesActive } from "./delivery-queues";
import { newWebhookSecret } from "./signing";
import { type ResolveHost, urlProblem } from "./ssrf";

export type Subscription = typeof webhooks.$inferSelect;

/** How long the secret replaced by a rotation keeps signing deliveries. */
export const ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;

export interface SubscriptionStore {
  list(accountId: string): Subscription[];
  find(accountId: string, id: string): Subscription | undefined;
  /** Enabled subscriptions of an account (cached; the outbox reads it on the hot path). */
  active(accountId: string): Subscription[];
  byId(id: string): Subscription | undefined;
  create(accountId: string, data: unknown): Promise<Subscription>;
  replace(accountId: string, id: string, data: unknown): Promise<Subscription>;
  patch(accountId: string, id: string, data: unknown): Promise<Subscription>;
  remove(accountId: string, id: string): Subscription;
  rotateSecret(accountId: string, id: string): Subscription;
  /** Disables an endpoint with a reason (410 Gone, days of failures). */
  disable(id: string, reason: string): void;
  recordOutcome(id: string, succeeded: boolean, at: number): Subscription | undefined;
}

/** The fields a subscription's body sets (what PATCH merges into). */
function bodyFields(sub: Subscription): Record<string, unknown> {
  return {
    name: sub.name,
    url: sub.url,
    event_types: sub.eventTypes,
    ...(sub.conferenceId ? { conference_id: sub.conferenceId } : {}),
    format: sub.format,
    enabled: sub.enabled,
    ...(sub.bbbSecret ? { bbb_secret: sub.bbbSecret } : {}),
    ...(sub.bbbEventIds ? { bbb_event_ids: sub.bbbEventIds } : {}),
  };
}

/** The subscription as the API shows it; the secret only when asked for (create, rotate). */
export function subscriptionView(sub: Subscription, withSecret = false): Record<string, unknown> {
  // Secrets are shown when they are set (create, rotate), never on a read.
  const { bbb_secret: _bbbSecret, ...fields } = bodyFields(sub);
  return {
    id: sub.id,
    ...fields,
    ...(sub.disabledReason ? { disabled_reason: sub.disabledReason } : {}),
    created: sub.createdAt,
    updated: sub.updatedAt,
    ...(withSecret
      ? { secret: sub.secret, ...(sub.bbbSecret ? { bbb_secret: sub.bbbSecret } : {}) }
      : {}),
  };
}

export function createSubscriptionStore({
  db,
  now,
  allowPrivate,
  resolveHost,
}: {
  db: Db;
  now: () => number;
  allowPrivate: boolean;
  resolveHost?: ResolveHost;
}): SubscriptionStore {
  const cache = new Map<string, Subscription[]>();
  const clearFailing = db
    .update(webhooks)
    .set({ failingSince: null })
    .where(and(eq(webhooks.id, sql.placeholder("id")), isNotNull(webhooks.failingSince)))
    .prepare();
  const startFailing = db
    .update(webhooks)
    .set({ failingSince: sql.placeholder("at") as unknown as number })
    .where(and(eq(webhooks.id, sql.placeholder("id")), isNull(webhooks.failingSince)))
    .prepare();
  // The dispatcher reads a subscription for every delivery: prepared once.
  const byIdQuery = db
    .select()
    .from(webhooks)
    .where(eq(webhooks.id, sql.placeholder("id")))
    .prepare();
  const live = (accountId: string) =>
    and(eq(webhooks.accountId, accountId), isNull(webhooks.deletedAt));

  const load = (accountId: string) =>
    db.select().from(webhooks).where(live(accountId)).orderBy(asc(webhooks.createdAt)).all();
  const refresh = (accountId: string) =>
    cache.set(
      accountId,
      load(accountId).filter((s) => s.enabled),
    );
  const findRow = (accountId: string, id: string) =>
    db
      .select()
      .from(webhooks)
      .where(and(eq(webhooks.id, id), live(accountId)))
      .get();
  const requireRow = (accountId: string, id: string) => {
    const row = findRow(accountId, id);
    if (!row) {
      throw badIdentifier(id);
    }
    return row;
  };

  const validate = async (data: unknown): Promise<WebhookBody> => {
    const parsed = webhookBody.safeParse(data, { reportInput: true });
    if (!parsed.success) {
      throw validationFailed(toValidationErrors(parsed.error));
    }
    const problem = await urlProblem(parsed.data.url, allowPrivate, resolveHost);
    if (problem) {
      throw validationFailed({
        url: { pattern: { message: `url ${problem}`, value: parsed.data.url } },
      });
    }
    return parsed.data;
  };

  const columns = (body: WebhookBody) => ({
    name: body.name,
    url: body.url,
    eventTypes: body.event_types,
    conferenceId: body.conference_id ?? null,
    format: body.format,
    enabled: body.enabled,
    bbbSecret: body.bbb_secret ?? null,
    bbbEventIds: body.bbb_event_ids ?? null,
  });

  const update = (accountId: string, row: Subscription, body: WebhookBody) => {
    const values = {
      ...columns(body),
      // Re-enabling clears the reason and the failure clock.
      ...(body.enabled && !row.enabled ? { disabledReason: null, failingSince: null } : {}),
      updatedAt: now(),
    };
    db.transaction((tx) => {
      tx.update(webhooks).set(values).where(eq(webhooks.id, row.id)).run();
      if (body.enabled !== row.enabled) {
        setQueuesActive(tx, row.id, body.enabled);
      }
    });
    refresh(accountId);
    return { ...row, ...values };
  };

  return {
    list: (accountId) => load(accountId),
    find: findRow,
    active(accountId) {
      let subs = cache.get(accountId);
      if (!subs) {
        subs = load(accountId).filter((s) => s.enabled);
        cache.set(accountId, subs);
      }
      return subs;
    },
    byId(id) {
      return byIdQuery.get({ id });
    },
    async create(accountId, data) {
      const body = await validate(data);
      const at = now();
      const row: Subscription = {
        id: `wh_${randomBytes(12).toString("hex")}`,
        accountId,
        ...columns(body),
        disabledReason: null,
        secret: newWebhookSecret(),
        previousSecret: null,
        previousSecretUntil: null,
        failingSince: null,
        createdAt: at,
        updatedAt: at,
        deletedAt: null,
      };
      db.insert(webhooks).values(row).run();
      refresh(accountId);
      return row;
    },
    async replace(accountId, id, data) {
      const body = await validate(data);
      return update(accountId, requireRow(accountId, id), body);
    },
    async patch(accountId, id, data) {
      const row = requireRow(accountId, id);
      const merged = isPlainObject(data) ? deepMerge(bodyFields(row), data) : data;
      const body = await validate(merged);
      return update(accountId, requireRow(accountId, id), body);
    },
    remove(accountId, id) {
      const row = requireRow(accountId, id);
      db.transaction((tx) => {
        tx.update(webhooks).set({ deletedAt: now() }).where(eq(webhooks.id, id)).run();
        // Its pending deliveries are kept (the log stays readable) but never picked again.
        setQueuesActive(tx, id, false);
      });
      refresh(accountId);
      return row;
    },
    rotateSecret(accountId, id) {
      const row = requireRow(accountId, id);
      const at = now();
      const values = {
        secret: newWebhookSecret(),
        previousSecret: row.secret,
        previousSecretUntil: at + ROTATION_GRACE_MS,
        updatedAt: at,
      };
      db.update(webhooks).set(values).where(eq(webhooks.id, id)).run();
      refresh(accountId);
      return { ...row, ...values };
    },
    disable(id, reason) {
      const row = db.select().from(webhooks).where(eq(webhooks.id, id)).get();
      if (!row) {
        return;
      }
      db.transaction((tx) => {
        tx.update(webhooks)
          .set({ enabled: false, disabledReason: reason, updatedAt: now() })
          .where(eq(webhooks.id, id))
          .run();
        // Its pending deliveries wait, parked, until the endpoint is enabled again.
        setQueuesActive(tx, id, false);
      });
      refresh(row.accountId);
    },
    recordOutcome(id, succeeded, at) {
      // One cheap statement per delivery; it only writes when the failure clock changes.
      if (succeeded) {
        clearFailing.run({ id });
      } else {
        startFailing.run({ id, at });
      }
      return byIdQuery.get({ id });
    },
  };
}
