/**
 * Reconciliation on demand for a whole account, in crossbar's shape:
 * `PUT /v2/accounts/{A}/reconcile` asks the media servers about every conference of the account,
 * including those parley has not heard of, and answers 201 with what changed once the answers are
 * in and the repairs are committed. (One conference: its `reconcile` action, in conferences.ts.)
 * @module
 */
import { createRoute } from "@hono/zod-openapi";
import { reconcileReport } from "../../protocol/reconcile";
import type { Reconciler } from "../domain/reconcile";
import { requireReconciler } from "./actions";
import type { HttpApp } from "./env";
import { type EnvelopeInfo, success } from "./envelope";
import { readEnvelope } from "./request-body";
import { accountParams, kazooErrors, kazooOk, security } from "./responses";
import { rejectOtherMethods, serve } from "./route";

/** What the account reconcile route uses. */
export interface ReconcileRoutesDeps {
  info: EnvelopeInfo;
  /** Absent when parley runs on a bus with no way to ask the media servers. */
  reconciler: Reconciler | undefined;
}

const reconcileAccount = createRoute({
  method: "put",
  path: "/v2/accounts/{accountId}/reconcile",
  summary:
    "Reconcile every conference of the account with the media servers; answers with the events synthesized (`changed`) and what was left alone (`skipped`)",
  tags: ["conferences"],
  security: security.token,
  request: { params: accountParams },
  responses: {
    201: kazooOk("What the round changed", reconcileReport),
    ...kazooErrors(400, 401, 403, 404, 413, 503),
  },
});

/** Declares and serves `PUT /v2/accounts/{A}/reconcile`, under the account guard. */
export function registerReconcileRoutes(app: HttpApp, deps: ReconcileRoutesDeps): void {
  serve(app, reconcileAccount, async (c) => {
    await readEnvelope(c);
    const scope = { kind: "account", accountId: c.req.param("accountId") } as const;
    const report = await requireReconciler(deps.reconciler).run(scope, "api");
    return success(c, deps.info, report, { status: 201 });
  });
  rejectOtherMethods(app, "/v2/accounts/:accountId/reconcile");
}
