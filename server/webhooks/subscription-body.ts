/**
 * A subscription's body both ways: validating what a client sends (against
 * `protocol/webhooks.ts`, the URL through the SSRF guard) into columns, and the fields and view
 * the API shows (secrets only when just set).
 * @module
 */
import { toValidationErrors } from "../../protocol/validation";
import { type WebhookBody, webhookBody } from "../../protocol/webhooks";
import type { webhooks } from "../db/schema";
import { validationFailed } from "../domain/errors";
import { type ResolveHost, urlProblem } from "./ssrf";

export type Subscription = typeof webhooks.$inferSelect;

/** The fields a subscription's body sets (what PATCH merges into). */
export function bodyFields(sub: Subscription): Record<string, unknown> {
  return {
    name: sub.name,
    url: sub.url,
    event_types: sub.eventTypes,
    ...(sub.conferenceId ? { conference_id: sub.conferenceId } : {}),
    format: sub.format,
    enabled: sub.enabled,
    ordered: sub.ordered,
    ...(sub.bbbSecret ? { bbb_secret: sub.bbbSecret } : {}),
    ...(sub.bbbEventIds ? { bbb_event_ids: sub.bbbEventIds } : {}),
  };
}

/** The subscription as the API shows it; the secret only when asked for (create, rotate). */
export function subscriptionView(sub: Subscription, withSecret = false): Record<string, unknown> {
  // Secrets are shown when they are set (create, rotate), never on a read.
  const { bbb_secret: _bbbSecret, ...fields } = bodyFields(sub);
  return {
    id: sub.id,
    ...fields,
    ...(sub.disabledReason ? { disabled_reason: sub.disabledReason } : {}),
    created: sub.createdAt,
    updated: sub.updatedAt,
    ...(withSecret
      ? { secret: sub.secret, ...(sub.bbbSecret ? { bbb_secret: sub.bbbSecret } : {}) }
      : {}),
  };
}

/** Validates a body; a URL the SSRF guard refuses fails like any invalid field. */
export async function validateBody(
  data: unknown,
  allowPrivate: boolean,
  resolveHost: ResolveHost | undefined,
): Promise<WebhookBody> {
  const parsed = webhookBody.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    throw validationFailed(toValidationErrors(parsed.error));
  }
  const problem = await urlProblem(parsed.data.url, allowPrivate, resolveHost);
  if (problem) {
    throw validationFailed({
      url: { pattern: { message: `url ${problem}`, value: parsed.data.url } },
    });
  }
  return parsed.data;
}

/** The columns a validated body sets. */
export function columnsOf(body: WebhookBody) {
  return {
    name: body.name,
    url: body.url,
    eventTypes: body.event_types,
    conferenceId: body.conference_id ?? null,
    format: body.format,
    enabled: body.enabled,
    ordered: body.ordered,
    bbbSecret: body.bbb_secret ?? null,
    bbbEventIds: body.bbb_event_ids ?? null,
  };
}
