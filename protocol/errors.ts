/**
 * The closed set of error codes parley answers with, and the HTTP status each one maps to.
 *
 * The codes are Kazoo crossbar's error atoms (`bad_identifier`, `invalid_credentials`, …) so that
 * clients written against Kazoo keep matching on `message`. Adding a code without a status is a
 * compile error, which keeps the HTTP edge total.
 * @module
 */

/** Every error code an API response can carry in its `message` field. */
export type ErrorCode =
  | "validation error"
  | "bad_identifier"
  | "faulty_request"
  | "invalid_credentials"
  | "forbidden"
  | "not_found"
  | "invalid_method"
  | "request_entity_too_large"
  | "unsupported_media_type"
  | "too_many_requests"
  | "service_unavailable"
  | "datastore_fault"
  | "internal_error";

/** HTTP status for each error code; the one table the HTTP edge consults. */
export function statusOf(
  code: ErrorCode,
): 400 | 401 | 403 | 404 | 405 | 413 | 415 | 429 | 500 | 503 {
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
