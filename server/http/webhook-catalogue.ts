/**
 * The webhook catalogue: what a subscription can ask for. `GET /v2/webhooks` is Kazoo crossbar's
 * "available webhooks" route, answering one entry per event type with what it means; beside it,
 * `GET /v2/webhooks/formats` lists the body formats. Any valid token reads them (an account's or
 * the admin's): they describe parley, not an account.
 *
 * `webhook.ping` is left out of the event list on purpose: only the `ping` action sends it, to one
 * endpoint, whatever that endpoint subscribed to, so it cannot be named in `event_types`.
 * @module
 */
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { pageSize } from "../../protocol/envelope";
import {
  webhookEventTypeView,
  webhookFormatCatalogue,
  webhookFormatView,
} from "../../protocol/webhook-catalogue";
import {
  optInOnlyTypes,
  webhookEventCatalogue,
  webhookEventTypes,
  webhookFormats,
} from "../../protocol/webhooks";
import type { Authenticator } from "../domain/auth";
import { requireAuth } from "./auth";
import type { HttpApp } from "./env";
import { type EnvelopeInfo, success } from "./envelope";
import { kazooErrors, kazooOk, security } from "./responses";
import { rejectOtherMethods, serve } from "./route";

/** What the catalogue routes use. */
export interface WebhookCatalogueDeps {
  info: EnvelopeInfo;
  auth: Authenticator;
}

const base = { tags: ["webhooks"], security: security.token };

const eventTypes = createRoute({
  ...base,
  method: "get",
  path: "/v2/webhooks",
  summary:
    "Available webhooks: every event type a subscription can name, with its description; `opt_in` types are never included by `*` (`webhook.ping` is not listed: only the `ping` action sends it)",
  responses: {
    200: kazooOk("The event types", z.array(webhookEventTypeView), pageSize),
    ...kazooErrors(401),
  },
});
const formats = createRoute({
  ...base,
  method: "get",
  path: "/v2/webhooks/formats",
  summary: "The body formats a subscription can choose (`format`)",
  responses: {
    200: kazooOk("The formats", z.array(webhookFormatView), pageSize),
    ...kazooErrors(401),
  },
});

/** The catalogue as it answers: built once, it never changes while parley runs. */
const eventTypeList = webhookEventTypes.map((id) => ({
  id,
  ...webhookEventCatalogue[id],
  opt_in: optInOnlyTypes.has(id),
}));
const formatList = webhookFormats.map((id) => ({ id, ...webhookFormatCatalogue[id] }));

/** Declares and serves the catalogue routes, each behind a token check of its own. */
export function registerWebhookCatalogueRoutes(app: HttpApp, deps: WebhookCatalogueDeps): void {
  const { info } = deps;
  const authenticated = requireAuth(deps.auth);
  serve(
    app,
    eventTypes,
    (c) => success(c, info, eventTypeList, { extra: { page_size: eventTypeList.length } }),
    authenticated,
  );
  serve(
    app,
    formats,
    (c) => success(c, info, formatList, { extra: { page_size: formatList.length } }),
    authenticated,
  );
  rejectOtherMethods(app, "/v2/webhooks");
  rejectOtherMethods(app, "/v2/webhooks/formats");
}
