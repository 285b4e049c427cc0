/**
 * The one place an error becomes an HTTP answer. Whatever a route, a middleware or the body
 * reader throws ends here (`app.onError`, and `app.notFound` for unknown routes), as a
 * `DomainError` from the closed union in `protocol/errors.ts`; anything else is a bug, logged and
 * answered as `internal_error`. Each route group words the error in the body its clients read:
 * Kazoo's envelope on `/v2`, ConnectyCube's `{"errors": …}` on `/meetings` and the signed
 * downloads, BigBlueButton's XML on the bbb-webhooks API.
 * @module
 */
import type { Context } from "hono";
import { statusOf } from "../../protocol/errors";
import type { ValidationErrors } from "../../protocol/validation";
import { DomainError } from "../domain/errors";
import type { Logger } from "../logger";
import { bbbFailed } from "./bbb-xml";
import type { HttpEnv } from "./env";
import { type EnvelopeInfo, failure } from "./envelope";

/** Which clients a path serves, and so which error body they read. */
export type RouteGroup = "kazoo" | "connectycube" | "bbb";

/** The route group of a request path. */
export function routeGroupOf(path: string): RouteGroup {
  if (
    path === "/meetings" ||
    path === "/meetings.json" ||
    /^\/(meetings|recordings|exports)\//.test(path)
  ) {
    return "connectycube";
  }
  return path.startsWith("/v2/accounts/") && path.includes("/bigbluebutton/api/") ? "bbb" : "kazoo";
}

/** An error's own text: `data.message`, else its code. */
function messageOf(error: DomainError): string {
  const message = (error.data as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : error.code;
}

/** Kazoo-shaped validation data → `{"field": ["message", …]}`, as ConnectyCube words it. */
function fieldErrors(data: ValidationErrors): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [path, rules] of Object.entries(data)) {
    out[path || "base"] = Object.entries(rules).map(([rule, failure]) =>
      rule === "required" ? "is required" : failure.message,
    );
  }
  return out;
}

/**
 * ConnectyCube's shape: a body that is not JSON is a 400, a readable body with wrong fields a
 * 422 keyed by field, anything else the code's status with its message.
 */
function connectyCubeError(c: Context<HttpEnv>, error: DomainError): Response {
  if (error.code === "validation error") {
    const fields = fieldErrors(error.data as ValidationErrors);
    const whole = Object.keys(fields).length === 1 ? fields.json : undefined;
    return whole ? c.json({ errors: whole }, 400) : c.json({ errors: fields }, 422);
  }
  return c.json({ errors: [messageOf(error)] }, statusOf(error.code));
}

/** Turns anything thrown into the answer its route group's clients read. */
export type ErrorAnswer = (thrown: unknown, c: Context<HttpEnv>) => Response;

/** The mapper for one app: envelopes carry `info`; errors that are not ours are logged. */
export function createErrorAnswer(info: EnvelopeInfo, logger: Logger): ErrorAnswer {
  return function answerError(thrown, c) {
    let error: DomainError;
    if (thrown instanceof DomainError) {
      error = thrown;
    } else {
      logger.error({ err: thrown, request_id: c.get("requestId") }, "unhandled error");
      error = new DomainError("internal_error");
    }
    switch (routeGroupOf(c.req.path)) {
      case "connectycube":
        return connectyCubeError(c, error);
      case "bbb":
        return bbbFailed(c, error.code, messageOf(error), statusOf(error.code));
      case "kazoo":
        return failure(c, info, error.code, error.data, error.extra);
    }
  };
}
