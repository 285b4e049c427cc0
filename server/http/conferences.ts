/**
 * Kazoo's conferences API (seed 003): list, create, read, replace, merge, delete, and the
 * conference-level actions `lock` / `unlock`.
 * @module
 */
import { conferenceActions, isConferenceAction } from "../../protocol/actions";
import type { ConferenceViews } from "../domain/conference-views";
import type { ConferenceService } from "../domain/conferences";
import type { ConferenceControl } from "../domain/control";
import { faultyRequest } from "../domain/errors";
import { isPlainObject } from "../domain/merge";
import type { HttpApp } from "./env";
import { type EnvelopeInfo, success } from "./envelope";
import { dataObject, readEnvelope } from "./request-body";
import { rejectOtherMethods } from "./validate";

export interface ConferenceRoutesDeps {
  info: EnvelopeInfo;
  conferences: ConferenceService;
  views: ConferenceViews;
  control: ConferenceControl;
}

const base = "/v2/accounts/:accountId/conferences";

/** Describes a missing or unknown action for the `faulty_request` body. */
export function actionProblem(action: unknown, allowed: readonly string[]): string {
  const expected = `expected one of ${allowed.join(", ")}`;
  return action === undefined
    ? `missing action; ${expected}`
    : `unknown action ${JSON.stringify(action)}; ${expected}`;
}

export function registerConferenceRoutes(app: HttpApp, deps: ConferenceRoutesDeps): void {
  const { info, conferences, views, control } = deps;

  app.get(base, (c) => {
    const data = views.list(c.req.param("accountId"));
    return success(c, info, data, { extra: { page_size: data.length } });
  });
  app.put(base, async (c) => {
    const created = conferences.create(c.req.param("accountId"), dataObject(await readEnvelope(c)));
    c.header("Location", created.id);
    return success(c, info, created.doc, { status: 201, revision: created.revision });
  });
  rejectOtherMethods(app, base);

  const one = `${base}/:conferenceId`;
  app.get(one, (c) => {
    const conference = views.resolve(c.req.param("accountId"), c.req.param("conferenceId"));
    return success(c, info, views.detail(conference), {
      revision: conference.stored?.revision,
      extra: { metadata: views.figures(conference) },
    });
  });
  app.post(one, async (c) => {
    const { accountId, conferenceId } = c.req.param();
    const body = dataObject(await readEnvelope(c));
    const updated = conferences.replace(accountId, conferenceId, body);
    return success(c, info, updated.doc, { revision: updated.revision });
  });
  app.patch(one, async (c) => {
    const { accountId, conferenceId } = c.req.param();
    const updated = conferences.patch(accountId, conferenceId, dataObject(await readEnvelope(c)));
    return success(c, info, updated.doc, { revision: updated.revision });
  });
  app.delete(one, (c) => {
    const { accountId, conferenceId } = c.req.param();
    const deleted = conferences.remove(accountId, conferenceId);
    return success(
      c,
      info,
      { ...deleted.doc, _read_only: { deleted: true } },
      {
        revision: deleted.revision,
      },
    );
  });
  app.put(one, async (c) => {
    const { accountId, conferenceId } = c.req.param();
    const body = await readEnvelope(c);
    const conference = views.resolve(accountId, conferenceId);
    // Kazoo reads the conference action from the top level first, then from `data`.
    const action =
      body.envelope.action ?? (isPlainObject(body.data) ? body.data.action : undefined);
    if (!isConferenceAction(action)) {
      throw faultyRequest(actionProblem(action, conferenceActions));
    }
    await control.conferenceAction({ conferenceId: conference.id, accountId }, action);
    return success(c, info, "ok", { status: 201 });
  });
  rejectOtherMethods(app, one);
}
