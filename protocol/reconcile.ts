/**
 * Reconciliation on demand over HTTP: the action name and the report parley answers with.
 * @module
 */
import { z } from "zod";

/** The conference action that asks the media servers and repairs parley's live state. */
export const RECONCILE_ACTION = "reconcile";

/** `data` of a reconcile answer: every synthesized event that committed, and what was left alone. */
export const reconcileReport = z.object({
  /** The round; each synthesized event carries it as `reconcile_id`. */
  reconcile_id: z.string(),
  trigger: z.string(),
  /** Readable answers the media servers gave. */
  answers: z.number().int(),
  changed: z.array(
    z.object({
      seq: z.number().int(),
      event: z.string(),
      conference_id: z.string(),
      call_id: z.string().optional(),
      participant_id: z.number().int().optional(),
    }),
  ),
  skipped: z.array(
    z.object({ conference_id: z.string(), call_id: z.string().optional(), reason: z.string() }),
  ),
});
export type ReconcileReportBody = z.infer<typeof reconcileReport>;
