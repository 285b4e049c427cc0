/**
 * Webhook subscriptions (`/v2/accounts/{A}/webhooks`, Kazoo envelope): CRUD, each one's state
 * under `_read_only` on reads and updates, revealing the signing secret (`…/{W}/secret`), and the
 * actions `rotate_secret`, `ping` and `recover`. The delivery log is in deliveries.ts, the
 * catalogue of event types and formats (`/v2/webhooks`) in webhook-catalogue.ts.
 * @module
 */

import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { kazooRequest, pageSize } from "../../protocol/envelope";
import { isoOrUnix } from "../../protocol/iso-or-unix";
import {
  subscriptionView,
  webhookActionAnswer,
  webhookActionBody,
  webhookActions,
  webhookBody,
  webhookSecretView,
} from "../../protocol/webhooks";
import type { Authenticator } from "../domain/auth";
import { faultyRequest } from "../domain/errors";
import { isPlainObject } from "../domain/merge";
import type { ParleyWrites } from "../domain/write-ops";
import type { DeliveryLog } from "../webhooks/delivery-log";
import {
  type Subscription,
  type SubscriptionStore,
  subscriptionView as showSubscription,
} from "../webhooks/subscriptions";
import { actionProblem, topLevelAction } from "./actions";
import { registerDeliveryRoutes, requireSubscription, webhookParams } from "./deliveries";
// jscpd:ignore-start -- the route modules' shared imports, not shared logic
import type { HttpApp } from "./env";
import { type EnvelopeInfo, success } from "./envelope";
import { dataObject, readEnvelope } from "./request-body";
import { accountParams, json, kazooErrors, kazooOk, security } from "./responses";
import { parseWith, rejectOtherMethods, serve } from "./route";
import { registerWebhookCatalogueRoutes } from "./webhook-catalogue";
// jscpd:ignore-end

/** What the webhook routes use: subscriptions, the outbox (ping) and the delivery log. */
export interface WebhookRoutesDeps {
  info: EnvelopeInfo;
  subscriptions: SubscriptionStore;
  deliveryLog: DeliveryLog;
  /** Every change (create, update, delete, actions) is a write through the log. */
  writes: ParleyWrites;
  /** The catalogue (`/v2/webhooks`) is outside the account guard: it checks tokens itself. */
  auth: Authenticator;
}

/** `recover`'s `since`, by the parser every time field of the API shares. */
const recoverSince = z.object({ since: isoOrUnix });

const base = { tags: ["webhooks"], security: security.token };
const all = "/v2/accounts/{accountId}/webhooks";
const one = `${all}/{webhookId}`;
const body = (schema: z.ZodType) => ({ required: true, content: json(kazooRequest(schema)) });
const writeErrors = kazooErrors(400, 401, 403, 404, 413);

const list = createRoute({
  ...base,
  method: "get",
  path: all,
  summary: "List webhook subscriptions, each with its state under `_read_only`",
  request: { params: accountParams },
  responses: {
    200: kazooOk("Every subscription", z.array(subscriptionView), pageSize),
    ...kazooErrors(401, 403, 404),
  },
});
const create = createRoute({
  ...base,
  method: "put",
  path: all,
  summary: "Create a subscription (its signing secret shown once)",
  request: { params: accountParams, body: body(webhookBody) },
  responses: { 201: kazooOk("The subscription, with `secret`", subscriptionView), ...writeErrors },
});
const read = createRoute({
  ...base,
  method: "get",
  path: one,
  summary: "Read a subscription, with its state under `_read_only`",
  request: { params: webhookParams },
  responses: { 200: kazooOk("The subscription", subscriptionView), ...kazooErrors(401, 403, 404) },
});
const secret = createRoute({
  ...base,
  method: "get",
  path: `${one}/secret`,
  summary: "Reveal the signing secret (and `bbb_secret`, when set)",
  request: { params: webhookParams },
  responses: { 200: kazooOk("The secrets", webhookSecretView), ...kazooErrors(401, 403, 404) },
});
const replace = createRoute({
  ...base,
  method: "post",
  path: one,
  summary: "Replace a subscription",
  request: { params: webhookParams, body: body(webhookBody) },
  responses: { 200: kazooOk("The subscription", subscriptionView), ...writeErrors },
});
const merge = createRoute({
  ...base,
  method: "patch",
  path: one,
  summary: "Merge into a subscription",
  request: { params: webhookParams, body: body(webhookBody.partial()) },
  responses: { 200: kazooOk("The subscription", subscriptionView), ...writeErrors },
});
const remove = createRoute({
  ...base,
  method: "delete",
  path: one,
  summary: "Delete a subscription",
  request: { params: webhookParams },
  responses: {
    200: kazooOk(
      "The deleted subscription, `_read_only.deleted` true",
      subscriptionView.extend({ _read_only: z.strictObject({ deleted: z.literal(true) }) }),
    ),
    ...kazooErrors(401, 403, 404),
  },
});
const act = createRoute({
  ...base,
  method: "put",
  path: one,
  summary:
    "Action: `rotate_secret` (the new secret, shown once), `ping` (a `webhook.ping` delivery), `recover` (schedules again what failed `since`)",
  request: { params: webhookParams, body: body(webhookActionBody) },
  responses: { 201: kazooOk("What the action did", webhookActionAnswer), ...writeErrors },
});

/** Declares and serves the subscription routes and the delivery log, under the account guard. */
export function registerWebhookRoutes(app: HttpApp, deps: WebhookRoutesDeps): void {
  const { info, subscriptions, deliveryLog } = deps;
  // Authentication comes from the `/v2/accounts/:accountId/*` guard.
  /** A subscription as reads and updates show it: with how it is doing. */
  const withHealth = (sub: Subscription) => ({
    ...showSubscription(sub),
    _read_only: deliveryLog.health(sub),
  });

  serve(app, list, (c) => {
    const data = subscriptions.list(c.req.param("accountId")).map(withHealth);
    return success(c, info, data, { extra: { page_size: data.length } });
  });
  serve(app, create, async (c) => {
    const body = await subscriptions.validate(dataObject(await readEnvelope(c)));
    const created = await deps.writes.run("webhook.create", {
      accountId: c.req.param("accountId"),
      body,
    });
    c.header("Location", created.id);
    return success(c, info, showSubscription(created, true), { status: 201 });
  });
  rejectOtherMethods(app, "/v2/accounts/:accountId/webhooks");

  serve(app, read, (c) => {
    const sub = requireSubscription(
      subscriptions,
      c.req.param("accountId"),
      c.req.param("webhookId"),
    );
    return success(c, info, withHealth(sub));
  });
  serve(app, secret, (c) => {
    const { accountId, webhookId } = c.req.param();
    const sub = requireSubscription(subscriptions, accountId, webhookId);
    return success(c, info, {
      secret: sub.secret,
      ...(sub.bbbSecret ? { bbb_secret: sub.bbbSecret } : {}),
    });
  });
  rejectOtherMethods(app, "/v2/accounts/:accountId/webhooks/:webhookId/secret");
  serve(app, replace, async (c) => {
    const { accountId, webhookId } = c.req.param();
    requireSubscription(subscriptions, accountId, webhookId);
    const body = await subscriptions.validate(dataObject(await readEnvelope(c)));
    const updated = await deps.writes.run("webhook.update", { accountId, webhookId, body });
    return success(c, info, withHealth(updated));
  });
  serve(app, merge, async (c) => {
    const { accountId, webhookId } = c.req.param();
    const data = dataObject(await readEnvelope(c));
    const body = await subscriptions.patched(accountId, webhookId, data);
    const updated = await deps.writes.run("webhook.update", { accountId, webhookId, body });
    return success(c, info, withHealth(updated));
  });
  serve(app, remove, async (c) => {
    const { accountId, webhookId } = c.req.param();
    const removed = await deps.writes.run("webhook.remove", { accountId, webhookId });
    return success(c, info, { ...showSubscription(removed), _read_only: { deleted: true } });
  });
  serve(app, act, async (c) => {
    const { accountId, webhookId } = c.req.param();
    const body = await readEnvelope(c);
    requireSubscription(subscriptions, accountId, webhookId);
    const action = topLevelAction(body);
    switch (action) {
      case "rotate_secret": {
        const rotated = await deps.writes.run("webhook.rotate_secret", { accountId, webhookId });
        return success(c, info, showSubscription(rotated, true), { status: 201 });
      }
      case "ping": {
        const deliveryId = await deps.writes.run("webhook.ping", { accountId, webhookId });
        return success(c, info, { delivery_id: deliveryId }, { status: 201 });
      }
      case "recover": {
        const data = isPlainObject(body.data) ? body.data : {};
        const { since } = parseWith(recoverSince, { since: data.since ?? body.envelope.since });
        const recovered = await deps.writes.run("webhook.recover", { webhookId, since });
        return success(c, info, { recovered }, { status: 201 });
      }
      default:
        throw faultyRequest(actionProblem(action, webhookActions));
    }
  });
  rejectOtherMethods(app, "/v2/accounts/:accountId/webhooks/:webhookId");

  registerDeliveryRoutes(app, { info, subscriptions, deliveryLog, writes: deps.writes });
  registerWebhookCatalogueRoutes(app, { info, auth: deps.auth });
}
