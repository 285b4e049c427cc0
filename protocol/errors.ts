/**
 * The closed set of error codes parley answers with, the HTTP status each one maps to, and the
 * bodies each route group words them in.
 *
 * The codes are Kazoo crossbar's error atoms (`bad_identifier`, `invalid_credentials`, …) so that
 * clients written against Kazoo keep matching on `message`. Adding a code without a status is a
 * compile error, which keeps the HTTP edge total.
 * @module
 */
import { z } from "zod";

/** Every error code an API response can carry in its `message` field. */
export const errorCodes = [
  "validation error",
  "bad_identifier",
  "faulty_request",
  "invalid_credentials",
  "forbidden",
  "not_found",
  "invalid_method",
  "request_entity_too_large",
  "unsupported_media_type",
  "too_many_requests",
  "service_unavailable",
  "datastore_fault",
  "internal_error",
] as const;

/** One of `errorCodes`: a closed union, so every mapping over it is checked for totality. */
export type ErrorCode = (typeof errorCodes)[number];

/** The HTTP statuses an error can carry. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 413 | 415 | 429 | 500 | 503;

/** HTTP status for each error code; the one table the HTTP edge consults. */
export function statusOf(code: ErrorCode): ErrorStatus {
  switch (code) {
    case "validation error":
      return 400;
    case "invalid_credentials":
      return 401;
    case "forbidden":
      return 403;
    case "bad_identifier":
    case "faulty_request":
    case "not_found":
      return 404;
    case "invalid_method":
      return 405;
    case "request_entity_too_large":
      return 413;
    case "unsupported_media_type":
      return 415;
    case "too_many_requests":
      return 429;
    case "service_unavailable":
    case "datastore_fault":
      return 503;
    case "internal_error":
      return 500;
  }
}

/** Default human text placed in `data.message` when an error carries no detail of its own. */
export const defaultErrorText: Record<ErrorCode, string> = {
  "validation error": "validation error",
  bad_identifier: "bad identifier",
  faulty_request: "faulty request",
  invalid_credentials: "invalid credentials",
  forbidden: "forbidden",
  not_found: "not found",
  invalid_method: "method not allowed",
  request_entity_too_large: "request entity too large",
  unsupported_media_type: "unsupported media type",
  too_many_requests: "too many requests",
  service_unavailable: "service unavailable",
  datastore_fault: "datastore fatal error",
  internal_error: "internal server error",
};

/** One failed rule of a Kazoo validation error. */
export const ruleFailure = z.looseObject({
  message: z.string(),
  target: z.unknown().optional(),
  cause: z.unknown().optional(),
  value: z.unknown().optional(),
});

/** `data` of a `validation error`: dotted field path → JSON Schema rule → failure. */
export const validationErrorData = z.record(z.string(), z.record(z.string(), ruleFailure)).meta({
  id: "ValidationErrors",
  description:
    "Dotted field path → rule (`required`, `type`, `minLength`, …) → {message, target?, cause?, value?}; `json.invalid` when the body is not JSON",
});

/** `data` of every other error: a message, and what it was about. */
export const errorDetail = z
  .looseObject({ message: z.string(), cause: z.unknown().optional() })
  .meta({ id: "ErrorDetail" });

/**
 * ConnectyCube's error body (`/meetings…` and the signed downloads): messages, or, for a body
 * whose fields are wrong (422), field → messages.
 */
export const connectyCubeErrors = z
  .strictObject({
    errors: z.union([z.array(z.string()), z.record(z.string(), z.array(z.string()))]),
  })
  .meta({ id: "ConnectyCubeErrors" });
