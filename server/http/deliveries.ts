/**
 * A webhook subscription's delivery log (`…/webhooks/{W}/deliveries`): searched (status, event
 * type, conference, id or its beginning, creation time) and paged with `start_key`, newest
 * first; one delivery with its attempts; and the action `retry`.
 * @module
 */

import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { kazooRequest } from "../../protocol/envelope";
import {
  deliveryDetail,
  deliveryListQuery,
  deliveryPageKeys,
  deliveryView,
} from "../../protocol/webhook-deliveries";
import { badIdentifier, faultyRequest } from "../domain/errors";
import type { ParleyWrites } from "../domain/write-ops";
import type { DeliveryLog } from "../webhooks/delivery-log";
import type { Subscription, SubscriptionStore } from "../webhooks/subscriptions";
import { actionProblem, dataAction } from "./actions";
import type { HttpApp } from "./env";
import { type EnvelopeInfo, pageKeys, success } from "./envelope";
import { readEnvelope } from "./request-body";
import { accountParams, json, kazooErrors, kazooOk, security } from "./responses";
import { rejectOtherMethods, serve } from "./route";

/** What the delivery log routes use. */
export interface DeliveryRoutesDeps {
  info: EnvelopeInfo;
  subscriptions: SubscriptionStore;
  deliveryLog: DeliveryLog;
  writes: ParleyWrites;
}

/** The account's subscription, or 404 `bad_identifier`. */
export function requireSubscription(
  subscriptions: SubscriptionStore,
  accountId: string,
  id: string,
): Subscription {
  const sub = subscriptions.find(accountId, id);
  if (!sub) {
    throw badIdentifier(id);
  }
  return sub;
}

const base = { tags: ["webhooks"], security: security.token };
const all = "/v2/accounts/{accountId}/webhooks/{webhookId}/deliveries";
/** `{accountId}/webhooks/{webhookId}`. */
export const webhookParams = accountParams.extend({
  webhookId: z.string().meta({ description: "The subscription id" }),
});
const deliveryParams = webhookParams.extend({
  deliveryId: z.string().meta({ description: "The delivery id (`msg_…`)" }),
});

const list = createRoute({
  ...base,
  method: "get",
  path: all,
  summary:
    "The delivery log, newest first: filtered by status, event type, conference, id (`q`: a delivery or event id, or its beginning) and creation time (`since` inclusive, `until` exclusive); paged with `start_key`",
  request: { params: webhookParams, query: deliveryListQuery },
  responses: {
    200: kazooOk("A page of deliveries", z.array(deliveryView), deliveryPageKeys),
    ...kazooErrors(400, 401, 403, 404),
  },
});
const read = createRoute({
  ...base,
  method: "get",
  path: `${all}/{deliveryId}`,
  summary: "A delivery with its attempts",
  request: { params: deliveryParams },
  responses: { 200: kazooOk("The delivery", deliveryDetail), ...kazooErrors(401, 403, 404) },
});
const retry = createRoute({
  ...base,
  method: "put",
  path: `${all}/{deliveryId}`,
  summary: "Retry a delivery now",
  request: {
    params: deliveryParams,
    body: {
      required: true,
      content: json(kazooRequest(z.object({ action: z.literal("retry") }))),
    },
  },
  responses: {
    201: kazooOk("The delivery, scheduled again", deliveryDetail),
    ...kazooErrors(400, 401, 403, 404, 413),
  },
});

/** Declares and serves the delivery log routes, under the account guard. */
export function registerDeliveryRoutes(app: HttpApp, deps: DeliveryRoutesDeps): void {
  const { info, subscriptions, deliveryLog } = deps;

  serve(app, list, (c) => {
    const { accountId, webhookId } = c.req.param();
    requireSubscription(subscriptions, accountId, webhookId);
    const query = c.req.valid("query");
    const page = deliveryLog.list(webhookId, {
      status: query.status,
      eventType: query.event_type,
      conferenceId: query.conference_id,
      q: query.q,
      since: query.since,
      until: query.until,
      startKey: query.start_key === undefined ? undefined : Number(query.start_key),
      limit: query.limit,
    });
    return success(c, info, page.deliveries, {
      extra: pageKeys(page.deliveries.length, query.start_key, page.nextStartKey),
    });
  });
  rejectOtherMethods(app, "/v2/accounts/:accountId/webhooks/:webhookId/deliveries");

  serve(app, read, (c) => {
    const { accountId, webhookId, deliveryId } = c.req.param();
    requireSubscription(subscriptions, accountId, webhookId);
    const found = deliveryLog.get(webhookId, deliveryId);
    if (!found) {
      throw badIdentifier(deliveryId);
    }
    return success(c, info, found);
  });
  serve(app, retry, async (c) => {
    const { accountId, webhookId, deliveryId } = c.req.param();
    const body = await readEnvelope(c);
    requireSubscription(subscriptions, accountId, webhookId);
    const action = dataAction(body);
    if (action !== "retry") {
      throw faultyRequest(actionProblem(action, ["retry"]));
    }
    if (!(await deps.writes.run("delivery.retry", { webhookId, deliveryId }))) {
      throw badIdentifier(deliveryId);
    }
    return success(c, info, deliveryLog.get(webhookId, deliveryId), { status: 201 });
  });
  rejectOtherMethods(app, "/v2/accounts/:accountId/webhooks/:webhookId/deliveries/:deliveryId");
}
