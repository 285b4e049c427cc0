/**
 * Reconciliation on demand, in crossbar's shape: the conference action
 * `PUT /v2/accounts/{A}/conferences/{C}` `{"data":{"action":"reconcile"}}` (beside `lock` and
 * `unlock`, whose handler gets every other action), and `PUT /v2/accounts/{A}/reconcile` for all
 * of an account's conferences, including those parley has not heard of. Both answer 201 with
 * what changed, once the media servers' answers are in and the repairs are committed.
 * @module
 */
import { RECONCILE_ACTION } from "../../protocol/reconcile";
import type { ConferenceViews } from "../domain/conference-views";
import { DomainError } from "../domain/errors";
import { isPlainObject } from "../domain/merge";
import type { Reconciler } from "../domain/reconcile";
import type { HttpApp } from "./env";
import { type EnvelopeInfo, success } from "./envelope";
import { readEnvelope } from "./request-body";
import { rejectOtherMethods } from "./validate";

export interface ReconcileRoutesDeps {
  info: EnvelopeInfo;
  views: ConferenceViews;
  /** Absent when parley runs on a bus with no way to ask the media servers. */
  reconciler: Reconciler | undefined;
}

/** Registers the routes; call before the conference routes, whose action handler comes next. */
export function registerReconcileRoutes(app: HttpApp, deps: ReconcileRoutesDeps): void {
  const { info, views } = deps;
  const reconciler = () => {
    if (!deps.reconciler) {
      throw new DomainError("service_unavailable", {
        message: "this message bus cannot ask the media servers",
      });
    }
    return deps.reconciler;
  };

  app.put("/v2/accounts/:accountId/conferences/:conferenceId", async (c, next) => {
    const body = await readEnvelope(c);
    // Read as the conference action handler reads it: top level first, then `data`.
    const action =
      body.envelope.action ?? (isPlainObject(body.data) ? body.data.action : undefined);
    if (action !== RECONCILE_ACTION) {
      await next();
      return;
    }
    const { accountId, conferenceId } = c.req.param();
    const conference = views.resolve(accountId, conferenceId);
    const report = await reconciler().run(
      { kind: "conference", accountId, conferenceId: conference.id },
      "api",
    );
    return success(c, info, report, { status: 201 });
  });

  const account = "/v2/accounts/:accountId/reconcile";
  app.put(account, async (c) => {
    await readEnvelope(c);
    const report = await reconciler().run(
      { kind: "account", accountId: c.req.param("accountId") },
      "api",
    );
    return success(c, info, report, { status: 201 });
  });
  rejectOtherMethods(app, account);
}
