/**
 * Reads what a blackhole client asks for: the `request_id` every reply echoes (a new one when
 * the client gave none usable) and the bindings of a subscribe or unsubscribe, with the error
 * texts Monster UI expects when they are missing or malformed.
 * @module
 */
import { randomBytes } from "node:crypto";
import type { z } from "zod";
import { subscriptionData, wsErrors } from "../../protocol/ws";
import { isPlainObject } from "../domain/merge";

/** A subscribe or unsubscribe's data, with its bindings deduplicated in order. */
export interface BindingsRequest {
  bindings: string[];
  parsed: z.output<typeof subscriptionData>;
}

/** The bindings `data` names (`binding` or `bindings`), or why they cannot be read. */
export function readBindings(data: unknown): BindingsRequest | { errors: string[] } {
  if (!isPlainObject(data) || Object.keys(data).length === 0) {
    return { errors: [wsErrors.missingData] };
  }
  const parsed = subscriptionData.parse(data);
  const list = parsed.bindings ?? (parsed.binding === undefined ? undefined : [parsed.binding]);
  const missing = [
    ...(parsed.account_id === undefined ? ["account_id"] : []),
    ...(list === undefined ? ["binding"] : []),
  ];
  if (missing.length > 0 || !list) {
    return { errors: [wsErrors.missingKeys(missing)] };
  }
  if (!Array.isArray(list) || list.length === 0 || !list.every((b) => typeof b === "string")) {
    return { errors: [wsErrors.missingKeys(["binding"])] };
  }
  return { bindings: [...new Set(list as string[])], parsed };
}

export function newRequestId(): string {
  return randomBytes(16).toString("hex");
}

/** The client's `request_id` when usable (a short string or a number), else a new one. */
export function requestIdOf(value: unknown): string {
  if (typeof value === "string" && value.length > 0 && value.length <= 256) {
    return value;
  }
  if (typeof value === "number" && Number.isFinite(value)) {
    return String(value);
  }
  return newRequestId();
}
