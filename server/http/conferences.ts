/**
 * Kazoo's conferences API (seed 003): list, create, read, replace, merge, delete, and the
 * conference actions `lock` / `unlock` and `reconcile` (asks the media servers and repairs the
 * live state, answering with what changed).
 * @module
 */

import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { conferenceActions, isConferenceAction } from "../../protocol/actions";
import {
  conferenceDetail,
  conferenceDocument,
  conferenceFigures,
  conferenceRow,
  conferenceWritten,
} from "../../protocol/conference";
import { kazooRequest, pageSize } from "../../protocol/envelope";
import { RECONCILE_ACTION, reconcileReport } from "../../protocol/reconcile";
import type { ConferenceViews } from "../domain/conference-views";
import type { ConferenceControl } from "../domain/control";
import { faultyRequest } from "../domain/errors";
import type { Reconciler } from "../domain/reconcile";
import type { ParleyWrites } from "../domain/write-ops";
import { actionProblem, requireReconciler, topLevelAction } from "./actions";
import type { HttpApp } from "./env";
import { type EnvelopeInfo, success, successJson } from "./envelope";
import { dataObject, readEnvelope } from "./request-body";
import { accountParams, conferenceParams, json, kazooErrors, kazooOk, security } from "./responses";
import { rejectOtherMethods, serve } from "./route";

/** What the conference routes use. */
export interface ConferenceRoutesDeps {
  info: EnvelopeInfo;
  views: ConferenceViews;
  control: ConferenceControl;
  writes: ParleyWrites;
  /** Absent when parley runs on a bus with no way to ask the media servers. */
  reconciler: Reconciler | undefined;
}

const base = { tags: ["conferences"], security: security.token };
const all = "/v2/accounts/{accountId}/conferences";
const one = `${all}/{conferenceId}`;
const documentBody = (schema: z.ZodType) => ({
  required: true,
  content: json(kazooRequest(schema)),
});
const written = (description: string) => kazooOk(description, conferenceWritten);

const list = createRoute({
  ...base,
  method: "get",
  path: all,
  summary: "List conferences with their live figures",
  request: { params: accountParams },
  responses: {
    200: kazooOk("Every conference", z.array(conferenceRow), pageSize),
    ...kazooErrors(401, 403, 404),
  },
});
const create = createRoute({
  ...base,
  method: "put",
  path: all,
  summary: "Create a conference",
  request: { params: accountParams, body: documentBody(conferenceDocument) },
  responses: { 201: written("The stored document"), ...kazooErrors(400, 401, 403, 404, 413) },
});
const read = createRoute({
  ...base,
  method: "get",
  path: one,
  summary: "Read a conference with its `_read_only` live data (also in `metadata`)",
  request: { params: conferenceParams },
  responses: {
    200: kazooOk("The conference", conferenceDetail, { metadata: conferenceFigures }),
    ...kazooErrors(401, 403, 404),
  },
});
const replace = createRoute({
  ...base,
  method: "post",
  path: one,
  summary: "Replace a conference",
  request: { params: conferenceParams, body: documentBody(conferenceDocument) },
  responses: { 200: written("The stored document"), ...kazooErrors(400, 401, 403, 404, 413) },
});
const merge = createRoute({
  ...base,
  method: "patch",
  path: one,
  summary: "Merge into a conference (`null` removes a key)",
  request: { params: conferenceParams, body: documentBody(conferenceDocument.partial()) },
  responses: { 200: written("The stored document"), ...kazooErrors(400, 401, 403, 404, 413) },
});
const remove = createRoute({
  ...base,
  method: "delete",
  path: one,
  summary: "Delete a conference",
  request: { params: conferenceParams },
  responses: {
    200: written("The deleted document, `_read_only.deleted` true"),
    ...kazooErrors(401, 403, 404),
  },
});
const act = createRoute({
  ...base,
  method: "put",
  path: one,
  summary:
    "Conference action: `lock` or `unlock` (a command to the media server), or `reconcile` (asks the media servers with Kazoo's `search_req` and repairs the live state). The action is read from the top level, then from `data`.",
  request: {
    params: conferenceParams,
    body: documentBody(z.object({ action: z.enum([...conferenceActions, RECONCILE_ACTION]) })),
  },
  responses: {
    201: kazooOk(
      '`"ok"` once the media server has the command; for `reconcile`, the events synthesized and what was left alone',
      z.union([z.literal("ok"), reconcileReport]),
    ),
    ...kazooErrors(400, 401, 403, 404, 413, 503),
  },
});

/** Declares and serves the conference routes; the account guard in app.ts authenticates them. */
export function registerConferenceRoutes(app: HttpApp, deps: ConferenceRoutesDeps): void {
  const { info, views, control } = deps;

  serve(app, list, (c) => {
    const data = views.list(c.req.param("accountId"));
    return success(c, info, data, { extra: { page_size: data.length } });
  });
  serve(app, create, async (c) => {
    const data = dataObject(await readEnvelope(c));
    const created = await deps.writes.run("conference.create", {
      accountId: c.req.param("accountId"),
      data,
    });
    c.header("Location", created.id);
    return success(c, info, created.doc, { status: 201, revision: created.revision });
  });
  rejectOtherMethods(app, "/v2/accounts/:accountId/conferences");

  serve(app, read, (c) => {
    const conference = views.resolve(c.req.param("accountId"), c.req.param("conferenceId"));
    const { data, metadata } = views.detailJson(conference);
    return successJson(c, info, data, {
      revision: conference.stored?.revision,
      extraJson: { metadata },
    });
  });
  serve(app, replace, async (c) => {
    const { accountId, conferenceId } = c.req.param();
    const body = dataObject(await readEnvelope(c));
    const updated = await deps.writes.run("conference.replace", {
      accountId,
      conferenceId,
      data: body,
    });
    return success(c, info, updated.doc, { revision: updated.revision });
  });
  serve(app, merge, async (c) => {
    const { accountId, conferenceId } = c.req.param();
    const data = dataObject(await readEnvelope(c));
    const updated = await deps.writes.run("conference.patch", { accountId, conferenceId, data });
    return success(c, info, updated.doc, { revision: updated.revision });
  });
  serve(app, remove, async (c) => {
    const { accountId, conferenceId } = c.req.param();
    const deleted = await deps.writes.run("conference.remove", { accountId, conferenceId });
    const doc = { ...deleted.doc, _read_only: { deleted: true } };
    return success(c, info, doc, { revision: deleted.revision });
  });
  serve(app, act, async (c) => {
    const { accountId, conferenceId } = c.req.param();
    const body = await readEnvelope(c);
    const conference = views.resolve(accountId, conferenceId);
    // Kazoo reads the conference action from the top level first, then from `data`.
    const action = topLevelAction(body);
    if (action === RECONCILE_ACTION) {
      const scope = { kind: "conference", accountId, conferenceId: conference.id } as const;
      const report = await requireReconciler(deps.reconciler).run(scope, "api");
      return success(c, info, report, { status: 201 });
    }
    if (!isConferenceAction(action)) {
      throw faultyRequest(actionProblem(action, conferenceActions));
    }
    await control.conferenceAction({ conferenceId: conference.id, accountId }, action);
    return success(c, info, "ok", { status: 201 });
  });
  rejectOtherMethods(app, "/v2/accounts/:accountId/conferences/:conferenceId");
}
