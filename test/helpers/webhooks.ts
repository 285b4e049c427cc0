/**
 * Helpers for webhook tests: create a subscription over the API, read its delivery log, and check
 * a received request with the independent `standardwebhooks` verifier (never parley's signer).
 */
import { Webhook } from "standardwebhooks";
import type { ApiClient, Json, TestAccount } from "./api";
import type { ReceivedRequest } from "./receiver";

/** A subscription as created: its id, its secret (shown once) and the whole response body. */
export interface CreatedWebhook {
  id: string;
  secret: string;
  body: Json;
}

/** `PUT /v2/accounts/{A}/webhooks`; fails the test on anything but 201. */
export async function createWebhook(
  api: ApiClient,
  account: TestAccount,
  data: Record<string, unknown>,
): Promise<CreatedWebhook> {
  const res = await api.put(`/v2/accounts/${account.id}/webhooks`, {
    token: account.token,
    body: { data: { name: "hook", ...data } },
  });
  if (res.status !== 201) {
    throw new Error(`webhook create failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return { id: res.body.data.id, secret: res.body.data.secret, body: res.body };
}

/** The path of a subscription. */
export function webhookPath(account: TestAccount, webhookId: string): string {
  return `/v2/accounts/${account.id}/webhooks/${webhookId}`;
}

/** `GET …/deliveries` (newest first); `[]` unless it answers 200. */
export async function listDeliveries(
  api: ApiClient,
  account: TestAccount,
  webhookId: string,
  query = "",
): Promise<Json[]> {
  const res = await api.get(`${webhookPath(account, webhookId)}/deliveries${query}`, {
    token: account.token,
  });
  return res.status === 200 ? (res.body.data as Json[]) : [];
}

/** `GET …/deliveries/{D}` data (with `attempts`). */
export async function getDelivery(
  api: ApiClient,
  account: TestAccount,
  webhookId: string,
  deliveryId: string,
): Promise<Json> {
  const res = await api.get(`${webhookPath(account, webhookId)}/deliveries/${deliveryId}`, {
    token: account.token,
  });
  return res.body.data;
}

/** The three Standard Webhooks headers of a request. */
export function signedHeaders(request: ReceivedRequest): Record<string, string> {
  return {
    "webhook-id": request.headers["webhook-id"] ?? "",
    "webhook-timestamp": request.headers["webhook-timestamp"] ?? "",
    "webhook-signature": request.headers["webhook-signature"] ?? "",
  };
}

/**
 * Verifies a request with `standardwebhooks` and `secret`; throws `WebhookVerificationError` when
 * the signature does not match. JSON bodies come back parsed; form bodies (bbb) are not parsed.
 */
export function verifyRequest(request: ReceivedRequest, secret: string, json = true): unknown {
  return new Webhook(secret).verify(request.body, signedHeaders(request), { jsonParse: json });
}

/** A native (or raw) body, parsed. */
export function jsonBody(request: ReceivedRequest): Json {
  return JSON.parse(request.body);
}

/** The native event type of a request (`type` of its JSON body). */
export function typeOf(request: ReceivedRequest): string {
  return jsonBody(request).type;
}
