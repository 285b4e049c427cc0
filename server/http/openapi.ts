/**
 * `GET /openapi.json`: the OpenAPI 3.1 document, generated from the routes' own declarations
 * (`serve` in route.ts registers each one), so the document is the code's contract, not a copy.
 * test/openapi.test.ts checks both ways: every registered route is documented and every
 * documented route is served; the suite checks every answer against its declaration.
 * @module
 */
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import type { HttpApp } from "./env";
import { json, security, securitySchemes } from "./responses";
import { serve } from "./route";

const description =
  "Realtime conference control: Kazoo-compatible conferences API, webhooks, ConnectyCube-compatible meetings. The WebSocket feed at /ws speaks Kazoo's blackhole protocol (see the README).";

/** The tags operations are grouped under, in the order the reference shows them. */
const tags = [
  { name: "accounts", description: "Accounts and token exchange (Kazoo crossbar)" },
  { name: "conferences", description: "Kazoo's Conferences API (seed 003)" },
  { name: "participants", description: "Participants of a conference and their actions" },
  {
    name: "history",
    description: "Conference sessions, their participants and events, joined to the live feed",
  },
  { name: "webhooks", description: "Webhook subscriptions and their delivery log" },
  { name: "bbb-webhooks", description: "bbb-webhooks' registration API (XML, checksums)" },
  { name: "meetings", description: "ConnectyCube's Meetings API (seed 002), plain JSON" },
  { name: "downloads", description: "Signed links: recordings and chat exports" },
  { name: "health", description: "Liveness, readiness, metrics, this document" },
  { name: "dashboard", description: "The live dashboard" },
];

const route = createRoute({
  method: "get",
  path: "/openapi.json",
  summary: "This document",
  tags: ["health"],
  security: security.none,
  responses: {
    200: {
      description: "OpenAPI 3.1",
      content: json(
        z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) }),
      ),
    },
  },
});

/** Serves the document of every route declared on `app` (built once, on first request). */
export function registerOpenApi(app: HttpApp, version: string): void {
  for (const [name, scheme] of Object.entries(securitySchemes)) {
    app.openAPIRegistry.registerComponent("securitySchemes", name, scheme);
  }
  let document: unknown;
  serve(app, route, (c) => {
    document ??= app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: { title: "parley", version, description },
      tags,
    });
    return c.json(document);
  });
}
