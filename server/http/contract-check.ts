/**
 * The test suite's guard against drift between the document and the answers: every answer is
 * checked against the declaration of the route that gave it (its status declared, its content
 * type declared, a JSON body parsed by the declared schema). Answers no declared route gave
 * (unknown routes, other verbs) must be an error in their route group's shape. A mismatch is
 * reported and the answer replaced by a 500 naming it, so a test cannot miss it.
 *
 * It costs a parse of every answer, so it runs only when the server is built with a violation
 * reporter (tests do; `npm start` does not).
 * @module
 */
import type { RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { z } from "zod";
import type { HttpApp, HttpEnv } from "./env";
import { routeGroupOf } from "./errors";
import { groupErrorAnswer } from "./responses";

/** An answer that does not match its declaration. */
export interface ContractViolation {
  method: string;
  path: string;
  /** The declared route (`GET /v2/accounts/{accountId}`), or none. */
  route: string | undefined;
  status: number;
  problem: string;
}

/** Told about every violation. */
export type ContractViolationReporter = (violation: ContractViolation) => void;

type Answer = { description: string; content?: Record<string, { schema?: unknown }> };

/** Declared routes by Hono method and path (`PUT /v2/accounts/:accountId`). */
function declaredRoutes(app: HttpApp): Map<string, RouteConfig> {
  const routes = new Map<string, RouteConfig>();
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type === "route") {
      const { method, path } = definition.route;
      routes.set(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`, definition.route);
    }
  }
  return routes;
}

function mediaTypeMatches(actual: string, declared: string): boolean {
  return declared.endsWith("/*") ? actual.startsWith(declared.slice(0, -1)) : actual === declared;
}

/** What is wrong with `response` as an answer declared by `answer`, if anything. */
async function problemOf(
  response: Response,
  answer: Answer | undefined,
): Promise<string | undefined> {
  if (!answer) {
    return `status ${response.status} is not declared`;
  }
  const type =
    (response.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (!answer.content) {
    return response.body === null
      ? undefined
      : `declared without a body, answered ${type || "one"}`;
  }
  const declared = Object.keys(answer.content);
  const media = declared.find((candidate) => mediaTypeMatches(type, candidate));
  if (!media) {
    return `answered ${type || "no content type"}, declared ${declared.join(", ")}`;
  }
  if (media !== "application/json") {
    return undefined;
  }
  let body: unknown;
  try {
    body = await response.clone().json();
  } catch {
    return "answered a body that is not JSON";
  }
  const schema = answer.content[media]?.schema as z.ZodType | undefined;
  const parsed = schema ? schema.safeParse(body) : { success: true as const };
  return parsed.success
    ? undefined
    : parsed.error.issues
        .slice(0, 5)
        .map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`)
        .join("; ");
}

/** The middleware; mount it ahead of everything that can answer. */
export function checkAnswers(
  app: HttpApp,
  report: ContractViolationReporter,
): MiddlewareHandler<HttpEnv> {
  // Built on the first request, when every route has been declared.
  let routes: Map<string, RouteConfig> | undefined;
  return async function checkAnswer(c, next) {
    await next();
    routes ??= declaredRoutes(app);
    const known = routes;
    const route = matchedRoutes(c)
      .map((matched) => known.get(`${matched.method} ${matched.path}`))
      .find((declared) => declared !== undefined);
    const status = c.res.status;
    const answer = route
      ? ((route.responses[status] ?? route.responses.default) as Answer | undefined)
      : status >= 400
        ? groupErrorAnswer[routeGroupOf(c.req.path)]
        : undefined;
    const problem = await problemOf(c.res, answer);
    if (problem) {
      const violation = {
        method: c.req.method,
        path: c.req.path,
        route: route && `${route.method.toUpperCase()} ${route.path}`,
        status,
        problem,
      };
      report(violation);
      c.res = new Response(JSON.stringify({ contract_violation: violation }), {
        status: 500,
        headers: { "Content-Type": "application/json" },
      });
    }
  };
}
