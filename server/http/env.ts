/**
 * The Hono environment shared by every route: per-request values set by middleware.
 * @module
 */
import type { IncomingMessage } from "node:http";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Principal } from "../domain/auth";

/** Per-request values every route can read, set by middleware. */
export interface HttpEnv {
  /** @hono/node-server's raw request, for the one body fetch() cannot carry (GET with a form). */
  Bindings: { incoming?: IncomingMessage };
  Variables: {
    /** `X-Request-ID` of the request, or a fresh UUID. */
    requestId: string;
    /** The token the request presented (echoed as `auth_token`), or "". */
    authToken: string;
    /** Set by the auth middleware on authenticated routes. */
    principal: Principal;
  };
}

/** The app: a Hono app that also holds every route's declared contract (`openAPIRegistry`). */
export type HttpApp = OpenAPIHono<HttpEnv>;
