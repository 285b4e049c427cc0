/**
 * Declaring a route once. Each operation is one `createRoute` contract (params, query, body,
 * every response with its schema, security, tags); `serve` puts the contract into the app's
 * OpenAPI registry (from which `/openapi.json` is generated, and against which the test suite
 * checks every answer) and mounts the handler with its params and query validated.
 *
 * The declared body documents; it is not parsed here. Bodies are read by the shared reader
 * (`request-body.ts`: any Content-Type, as curl's `-d` sends JSON form-encoded, with the size and
 * depth limits), and validated by the route or the domain with the same `protocol/` schema.
 * @module
 */
import type { RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { z } from "zod";
import { toValidationErrors } from "../../protocol/validation";
import { DomainError, validationFailed } from "../domain/errors";
import type { HttpApp, HttpEnv } from "./env";

/** The context a declared route's handler gets: path params and validated query typed. */
export type RouteContext<R extends RouteConfig> = Parameters<RouteHandler<R, HttpEnv>>[0];

/** A declared route's handler. Answers are checked against the declaration in the test suite. */
export type Served<R extends RouteConfig> = (c: RouteContext<R>) => Response | Promise<Response>;

/**
 * Parses `data` with a `protocol/` schema, failing with Kazoo's validation error (each route
 * group words it in its own body). Inputs are reported, so failures echo the offending `value`.
 */
export function parseWith<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const parsed = schema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    throw validationFailed(toValidationErrors(parsed.error));
  }
  return parsed.data;
}

/**
 * Declares `route` in the document and serves it with `handler`, after `guard` (an auth check
 * that applies to this operation only) when one is given.
 */
export function serve<R extends RouteConfig>(
  app: HttpApp,
  route: R,
  handler: Served<R>,
  guard?: MiddlewareHandler<HttpEnv>,
): void {
  app.openAPIRegistry.registerPath(route);
  const { body: _readBySharedReader, ...validated } = route.request ?? {};
  app.openapi(
    { ...route, hide: true, request: validated, middleware: guard ? [guard] : [] },
    // Answers are plain Responses (the envelope is built by `success`); the suite checks them.
    handler as never,
    (result) => {
      if (!result.success) {
        // The raw value (@hono/zod-validator passes it on failure too), parsed again with its
        // inputs reported for Kazoo's `value`.
        const schema = result.target === "query" ? validated.query : validated.params;
        if (schema) {
          parseWith(schema, (result as { data?: unknown }).data);
        }
        throw validationFailed(toValidationErrors(result.error));
      }
      return undefined;
    },
  );
}

/**
 * Answers 405 `invalid_method` (in the path's route group's shape) for any verb not served on
 * `path` before this call. `message` is the error's text, where the group has its own wording.
 */
export function rejectOtherMethods(app: HttpApp, path: string, message?: string): void {
  app.all(path, () => {
    throw new DomainError("invalid_method", message === undefined ? undefined : { message });
  });
}
