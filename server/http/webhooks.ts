/**
 * Webhook subscriptions (`/v2/accounts/{A}/webhooks`, Kazoo envelope): CRUD, the actions
 * `rotate_secret`, `ping` and `recover`, and the delivery log with per-delivery retry.
 * @module
 */
import { z } from "zod";
import { deliveryStatuses, webhookActions } from "../../protocol/webhooks";
import { badIdentifier, faultyRequest, validationFailed } from "../domain/errors";
import { isPlainObject } from "../domain/merge";
import type { DeliveryLog } from "../webhooks/delivery-log";
import { newEventId } from "../webhooks/derive";
import type { Dispatcher } from "../webhooks/dispatcher";
import type { Outbox } from "../webhooks/outbox";
import { type SubscriptionStore, subscriptionView } from "../webhooks/subscriptions";
import { actionProblem } from "./conferences";
import type { HttpApp } from "./env";
import { type EnvelopeInfo, success } from "./envelope";
import { dataObject, readEnvelope } from "./request-body";
import { parseWith, rejectOtherMethods } from "./validate";

export interface WebhookRoutesDeps {
  info: EnvelopeInfo;
  subscriptions: SubscriptionStore;
  outbox: Outbox;
  deliveryLog: DeliveryLog;
  dispatcher: Dispatcher;
  now: () => number;
  runInTransaction<T>(fn: () => T): T;
}

const listQuery = z.object({
  status: z.enum(deliveryStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** `since` as ISO 8601 or Unix seconds. */
function sinceOf(value: unknown): number {
  const ms =
    typeof value === "number"
      ? value * 1000
      : typeof value === "string"
        ? /^\d+$/.test(value)
          ? Number(value) * 1000
          : Date.parse(value)
        : Number.NaN;
  if (value === undefined) {
    throw validationFailed({ since: { required: { message: "Field is required but missing" } } });
  }
  if (!Number.isFinite(ms)) {
    throw validationFailed({
      since: {
        type: { message: "Value did not match type(s): ISO 8601 date or Unix seconds", value },
      },
    });
  }
  return ms;
}

export function registerWebhookRoutes(app: HttpApp, deps: WebhookRoutesDeps): void {
  const { info, subscriptions, outbox, deliveryLog, dispatcher } = deps;
  // Authentication comes from the `/v2/accounts/:accountId/*` guard.
  const base = "/v2/accounts/:accountId/webhooks";
  const requireSub = (accountId: string, id: string) => {
    const sub = subscriptions.find(accountId, id);
    if (!sub) {
      throw badIdentifier(id);
    }
    return sub;
  };

  app.get(base, (c) => {
    const data = subscriptions.list(c.req.param("accountId")).map((s) => subscriptionView(s));
    return success(c, info, data, { extra: { page_size: data.length } });
  });
  app.put(base, async (c) => {
    const created = await subscriptions.create(
      c.req.param("accountId"),
      dataObject(await readEnvelope(c)),
    );
    c.header("Location", created.id);
    return success(c, info, subscriptionView(created, true), { status: 201 });
  });
  rejectOtherMethods(app, base);

  const one = `${base}/:webhookId`;
  app.get(one, (c) =>
    success(
      c,
      info,
      subscriptionView(requireSub(c.req.param("accountId"), c.req.param("webhookId"))),
    ),
  );
  app.post(one, async (c) => {
    const { accountId, webhookId } = c.req.param();
    const updated = await subscriptions.replace(
      accountId,
      webhookId,
      dataObject(await readEnvelope(c)),
    );
    return success(c, info, subscriptionView(updated));
  });
  app.patch(one, async (c) => {
    const { accountId, webhookId } = c.req.param();
    const updated = await subscriptions.patch(
      accountId,
      webhookId,
      dataObject(await readEnvelope(c)),
    );
    return success(c, info, subscriptionView(updated));
  });
  app.delete(one, (c) => {
    const { accountId, webhookId } = c.req.param();
    const removed = subscriptions.remove(accountId, webhookId);
    return success(c, info, { ...subscriptionView(removed), _read_only: { deleted: true } });
  });
  app.put(one, async (c) => {
    const { accountId, webhookId } = c.req.param();
    const body = await readEnvelope(c);
    const sub = requireSub(accountId, webhookId);
    const data = isPlainObject(body.data) ? body.data : {};
    const action = body.envelope.action ?? data.action;
    switch (action) {
      case "rotate_secret": {
        const rotated = subscriptions.rotateSecret(accountId, webhookId);
        return success(c, info, subscriptionView(rotated, true), { status: 201 });
      }
      case "ping": {
        const at = deps.now();
        const deliveryId = deps.runInTransaction(() =>
          outbox.enqueueFor(sub, {
            id: newEventId(),
            accountId,
            conferenceId: null,
            type: "webhook.ping",
            seq: null,
            occurredAt: at,
            data: { event: "webhook.ping", webhook: { id: sub.id, name: sub.name } },
            raw: null,
            extra: {},
          }),
        );
        dispatcher.wake();
        return success(c, info, { delivery_id: deliveryId }, { status: 201 });
      }
      case "recover": {
        const recovered = deliveryLog.recover(
          webhookId,
          sinceOf(data.since ?? body.envelope.since),
        );
        dispatcher.wake();
        return success(c, info, { recovered }, { status: 201 });
      }
      default:
        throw faultyRequest(actionProblem(action, webhookActions));
    }
  });
  rejectOtherMethods(app, one);

  const log = `${one}/deliveries`;
  app.get(log, (c) => {
    const { accountId, webhookId } = c.req.param();
    requireSub(accountId, webhookId);
    const query = parseWith(listQuery, c.req.query());
    const data = deliveryLog.list(webhookId, query);
    return success(c, info, data, { extra: { page_size: data.length } });
  });
  rejectOtherMethods(app, log);

  const delivery = `${log}/:deliveryId`;
  app.get(delivery, (c) => {
    const { accountId, webhookId, deliveryId } = c.req.param();
    requireSub(accountId, webhookId);
    const found = deliveryLog.get(webhookId, deliveryId);
    if (!found) {
      throw badIdentifier(deliveryId);
    }
    return success(c, info, found);
  });
  app.put(delivery, async (c) => {
    const { accountId, webhookId, deliveryId } = c.req.param();
    const body = await readEnvelope(c);
    requireSub(accountId, webhookId);
    const action =
      (isPlainObject(body.data) ? body.data.action : undefined) ?? body.envelope.action;
    if (action !== "retry") {
      throw faultyRequest(actionProblem(action, ["retry"]));
    }
    if (!deliveryLog.retry(webhookId, deliveryId)) {
      throw badIdentifier(deliveryId);
    }
    dispatcher.wake();
    return success(c, info, deliveryLog.get(webhookId, deliveryId), { status: 201 });
  });
  rejectOtherMethods(app, delivery);
}
