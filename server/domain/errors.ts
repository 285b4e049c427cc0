/**
 * The one error type domain code throws. It carries a code from the closed union in
 * `protocol/errors.ts` and the `data` the client should see; each edge (HTTP, WebSocket, AMQP)
 * maps it once.
 * @module
 */
import { defaultErrorText, type ErrorCode } from "../../protocol/errors";
import type { ValidationErrors } from "../../protocol/validation";

export class DomainError extends Error {
  override name = "DomainError";
  constructor(
    readonly code: ErrorCode,
    /** The `data` of the error envelope. */
    readonly data: unknown = { message: defaultErrorText[code] },
  ) {
    super(typeof data === "object" && data && "message" in data ? String(data.message) : code);
  }
}

/** 404 `bad_identifier` for an id the caller cannot see (absent, deleted or another tenant's). */
export function badIdentifier(id: string | number): DomainError {
  return new DomainError("bad_identifier", { cause: id, message: "bad identifier" });
}

/** 400 `validation error` with Kazoo's path → rule → failure object. */
export function validationFailed(errors: ValidationErrors): DomainError {
  return new DomainError("validation error", errors);
}

/** 404 `faulty_request`, Kazoo's answer to a missing or unknown action; `cause` says which. */
export function faultyRequest(cause: string): DomainError {
  return new DomainError("faulty_request", { message: "faulty request", cause });
}
