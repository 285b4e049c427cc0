/**
 * Standard Webhooks signatures: `v1,` + base64 HMAC-SHA256 over `id.timestamp.body`, keyed with
 * the base64-decoded part of a `whsec_` secret. Several secrets (during a rotation) give several
 * space-separated signatures; a receiver accepts any match.
 * @module
 */
import { createHmac } from "node:crypto";
import type { Entropy } from "../domain/ids";

/** A new endpoint secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(entropy: Entropy): string {
  return `whsec_${entropy.bytes(32).toString("base64")}`;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
}

/** One `v1,<base64>` signature. */
export function sign(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", keyOf(secret))
    .update(`${id}.${timestamp}.`)
    .update(body, "utf8")
    .digest("base64");
  return `v1,${mac}`;
}

/** The `webhook-signature` header value for every live secret. */
export function signatureHeader(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): string {
  return secrets.map((secret) => sign(secret, id, timestamp, body)).join(" ");
}
