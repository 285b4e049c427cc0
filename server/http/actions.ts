/**
 * Action requests (`PUT` on a conference, participant, webhook or delivery with
 * `{"data":{"action": …}}`): where Kazoo reads the action from, and how a missing or unknown one
 * is reported.
 * @module
 */
import { DomainError } from "../domain/errors";
import { isPlainObject } from "../domain/merge";
import type { Reconciler } from "../domain/reconcile";
import type { RequestEnvelope } from "./request-body";

/** The action at the envelope's top level first, then in `data` (crossbar's conference rule). */
export function topLevelAction(body: RequestEnvelope): unknown {
  return body.envelope.action ?? (isPlainObject(body.data) ? body.data.action : undefined);
}

/** Kazoo's `req_value("action")`: `data.action`, then `?action=` when given, then the top level. */
export function dataAction(body: RequestEnvelope, query?: string): unknown {
  const fromData = isPlainObject(body.data) ? body.data.action : undefined;
  return fromData ?? query ?? body.envelope.action;
}

/** Describes a missing or unknown action for the `faulty_request` body. */
export function actionProblem(action: unknown, allowed: readonly string[]): string {
  const expected = `expected one of ${allowed.join(", ")}`;
  return action === undefined
    ? `missing action; ${expected}`
    : `unknown action ${JSON.stringify(action)}; ${expected}`;
}

/** The reconciler, or 503 when this message bus cannot ask the media servers. */
export function requireReconciler(reconciler: Reconciler | undefined): Reconciler {
  if (!reconciler) {
    throw new DomainError("service_unavailable", {
      message: "this message bus cannot ask the media servers",
    });
  }
  return reconciler;
}
