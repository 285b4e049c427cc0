/**
 * Webhook subscriptions of an account: create, read, replace, merge, delete, rotate the secret,
 * enable and disable. Validated against `protocol/webhooks.ts`, URLs checked by the SSRF guard.
 * Keeps an in-memory copy per account for the outbox, refreshed on every change.
 * @module
 */

import { and, asc, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { WebhookBody } from "../../protocol/webhooks";
import type { Db } from "../db/open";
import { webhooks } from "../db/schema";
import { badIdentifier } from "../domain/errors";
import type { Entropy } from "../domain/ids";
import { deepMerge, isPlainObject } from "../domain/merge";
import { setQueuesActive } from "./delivery-queues";
import { newWebhookSecret } from "./signing";
import type { ResolveHost } from "./ssrf";
import { bodyFields, columnsOf, type Subscription, validateBody } from "./subscription-body";

export { type Subscription, subscriptionView } from "./subscription-body";

const MAX_CACHED_BY_ID = 10_000;

/** How long the secret replaced by a rotation keeps signing deliveries. */
export const ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;

export interface SubscriptionStore {
  list(accountId: string): Subscription[];
  find(accountId: string, id: string): Subscription | undefined;
  /** Enabled subscriptions of an account (cached; the outbox reads it on the hot path). */
  active(accountId: string): Subscription[];
  byId(id: string): Subscription | undefined;
  /**
   * Checks a body (schema, and the SSRF guard's DNS look-up) where the request arrived, before
   * the change is written: the write itself (`create`, `update`) is then synchronous and the same
   * on every node.
   */
  validate(data: unknown): Promise<WebhookBody>;
  /** The body a PATCH asks for: the stored subscription's with `data` merged in, checked. */
  patched(accountId: string, id: string, data: unknown): Promise<WebhookBody>;
  create(accountId: string, body: WebhookBody): Subscription;
  update(accountId: string, id: string, body: WebhookBody): Subscription;
  remove(accountId: string, id: string): Subscription;
  rotateSecret(accountId: string, id: string): Subscription;
  /** Disables an endpoint with a reason (410 Gone, days of failures). */
  disable(id: string, reason: string): void;
  recordOutcome(id: string, succeeded: boolean, at: number): Subscription | undefined;
}

type SubscriptionDeps = {
  db: Db;
  now: () => number;
  /** Ids and signing secrets come from it (the applied log entry's, on every node alike). */
  entropy: Entropy;
  allowPrivate: boolean;
  resolveHost?: ResolveHost;
};

export function createSubscriptionStore(deps: SubscriptionDeps): SubscriptionStore {
  return new Subscriptions(deps);
}

/** The rows, and a per-account copy of the enabled ones refreshed on every change. */
class Subscriptions implements SubscriptionStore {
  readonly #deps: SubscriptionDeps;
  readonly #cache = new Map<string, Subscription[]>();
  /**
   * Subscriptions by id as last read: the dispatcher and the outcome recorder look one up for
   * every delivery. Forgotten on every write to the row.
   */
  readonly #byId = new Map<string, Subscription | null>();
  readonly #statements: ReturnType<typeof prepareStatements>;

  constructor(deps: SubscriptionDeps) {
    this.#deps = deps;
    this.#statements = prepareStatements(deps.db);
  }

  list(accountId: string): Subscription[] {
    return this.#load(accountId);
  }

  find(accountId: string, id: string): Subscription | undefined {
    return this.#deps.db
      .select()
      .from(webhooks)
      .where(and(eq(webhooks.id, id), live(accountId)))
      .get();
  }

  active(accountId: string): Subscription[] {
    let subs = this.#cache.get(accountId);
    if (!subs) {
      subs = this.#load(accountId).filter((s) => s.enabled);
      this.#cache.set(accountId, subs);
    }
    return subs;
  }

  byId(id: string): Subscription | undefined {
    const known = this.#byId.get(id);
    if (known !== undefined) {
      return known ?? undefined;
    }
    const row = this.#statements.byId.get({ id });
    if (this.#byId.size >= MAX_CACHED_BY_ID) {
      this.#byId.clear();
    }
    this.#byId.set(id, row ?? null);
    return row;
  }

  validate(data: unknown): Promise<WebhookBody> {
    return this.#validate(data);
  }

  patched(accountId: string, id: string, data: unknown): Promise<WebhookBody> {
    const row = this.#require(accountId, id);
    return this.#validate(isPlainObject(data) ? deepMerge(bodyFields(row), data) : data);
  }

  create(accountId: string, body: WebhookBody): Subscription {
    const at = this.#deps.now();
    const row: Subscription = {
      id: `wh_${this.#deps.entropy.bytes(12).toString("hex")}`,
      accountId,
      ...columnsOf(body),
      disabledReason: null,
      secret: newWebhookSecret(this.#deps.entropy),
      previousSecret: null,
      previousSecretUntil: null,
      failingSince: null,
      createdAt: at,
      updatedAt: at,
      deletedAt: null,
    };
    this.#deps.db.insert(webhooks).values(row).run();
    this.#refresh(accountId);
    return row;
  }

  update(accountId: string, id: string, body: WebhookBody): Subscription {
    return this.#update(accountId, this.#require(accountId, id), body);
  }

  remove(accountId: string, id: string): Subscription {
    const row = this.#require(accountId, id);
    this.#deps.db.transaction((tx) => {
      tx.update(webhooks).set({ deletedAt: this.#deps.now() }).where(eq(webhooks.id, id)).run();
      // Its pending deliveries are kept (the log stays readable) but never picked again.
      setQueuesActive(tx, id, false);
    });
    this.#refresh(accountId);
    return row;
  }

  rotateSecret(accountId: string, id: string): Subscription {
    const row = this.#require(accountId, id);
    const at = this.#deps.now();
    const values = {
      secret: newWebhookSecret(this.#deps.entropy),
      previousSecret: row.secret,
      previousSecretUntil: at + ROTATION_GRACE_MS,
      updatedAt: at,
    };
    this.#deps.db.update(webhooks).set(values).where(eq(webhooks.id, id)).run();
    this.#refresh(accountId);
    return { ...row, ...values };
  }

  disable(id: string, reason: string): void {
    const { db, now } = this.#deps;
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
    this.#refresh(row.accountId);
  }

  recordOutcome(id: string, succeeded: boolean, at: number): Subscription | undefined {
    // One cheap statement per delivery; it only writes when the failure clock changes.
    const { changes } = succeeded
      ? this.#statements.clearFailing.run({ id })
      : this.#statements.startFailing.run({ id, at });
    if (changes > 0) {
      this.#byId.delete(id);
    }
    return this.byId(id);
  }

  #load(accountId: string): Subscription[] {
    const { db } = this.#deps;
    return db.select().from(webhooks).where(live(accountId)).orderBy(asc(webhooks.createdAt)).all();
  }

  #refresh(accountId: string): void {
    this.#byId.clear();
    this.#cache.set(
      accountId,
      this.#load(accountId).filter((s) => s.enabled),
    );
  }

  #require(accountId: string, id: string): Subscription {
    const row = this.find(accountId, id);
    if (!row) {
      throw badIdentifier(id);
    }
    return row;
  }

  #validate(data: unknown): Promise<WebhookBody> {
    return validateBody(data, this.#deps.allowPrivate, this.#deps.resolveHost);
  }

  #update(accountId: string, row: Subscription, body: WebhookBody): Subscription {
    const values = {
      ...columnsOf(body),
      // Re-enabling clears the reason and the failure clock.
      ...(body.enabled && !row.enabled ? { disabledReason: null, failingSince: null } : {}),
      updatedAt: this.#deps.now(),
    };
    this.#deps.db.transaction((tx) => {
      tx.update(webhooks).set(values).where(eq(webhooks.id, row.id)).run();
      if (body.enabled !== row.enabled) {
        setQueuesActive(tx, row.id, body.enabled);
      }
    });
    this.#refresh(accountId);
    return { ...row, ...values };
  }
}

/** An account's subscriptions that are not deleted. */
function live(accountId: string) {
  return and(eq(webhooks.accountId, accountId), isNull(webhooks.deletedAt));
}

/** The statements run per delivery, prepared once. */
function prepareStatements(db: Db) {
  return {
    clearFailing: db
      .update(webhooks)
      .set({ failingSince: null })
      .where(and(eq(webhooks.id, sql.placeholder("id")), isNotNull(webhooks.failingSince)))
      .prepare(),
    startFailing: db
      .update(webhooks)
      .set({ failingSince: sql.placeholder("at") as unknown as number })
      .where(and(eq(webhooks.id, sql.placeholder("id")), isNull(webhooks.failingSince)))
      .prepare(),
    // The dispatcher reads a subscription for every delivery.
    byId: db
      .select()
      .from(webhooks)
      .where(eq(webhooks.id, sql.placeholder("id")))
      .prepare(),
  };
}
