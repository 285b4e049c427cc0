/**
 * The one error type parley's code throws. It carries a code from the closed union in
 * `protocol/errors.ts` and the `data` the client should see; each edge (HTTP, WebSocket, AMQP)
 * maps it once, and on HTTP each route group words it in its own body.
 * @module
 */
import { defaultErrorText, type ErrorCode } from "../../protocol/errors";
import type { ValidationErrors } from "../../protocol/validation";

export class DomainError extends Error {
  override name = "DomainError";
  constructor(
    readonly code: ErrorCode,
    /** The `data` of the error envelope: `{message, …}`, or the validation errors. */
    readonly data: unknown = { message: defaultErrorText[code] },
    /**
     * Fields beside `data` in the envelope (a 401's `reason` and `hint`): `data` stays exactly
     * what Kazoo answers, for clients that compare it whole.
     */
    readonly extra: Readonly<Record<string, string>> = {},
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

/**
 * 400 `validation error` on the body as a whole (`json.invalid`): not JSON, or nested too deep.
 * Route groups that tell unreadable bodies from bad fields (ConnectyCube's 400 vs 422) read it
 * by that path.
 */
export function unreadableBody(message: string): DomainError {
  return validationFailed({ json: { invalid: { message, target: "body" } } });
}

/** 413: a body over the size limit. */
export function bodyTooLarge(maxBytes: number): DomainError {
  return new DomainError("request_entity_too_large", {
    message: `request body exceeds ${maxBytes} bytes`,
  });
}
