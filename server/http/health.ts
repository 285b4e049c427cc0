/**
 * Liveness (`/healthz`: the process answers), readiness (`/readyz`: database open, migrated and
 * taking writes, broker connected when one is configured) and Prometheus metrics (`/metrics`).
 * @module
 */
import { createRoute } from "@hono/zod-openapi";
import { liveness, readiness } from "../../protocol/health";
import type { HttpApp } from "./env";
import { content, json, security } from "./responses";
import { serve } from "./route";

/** The state of each dependency, as `/readyz` reports it. */
export interface HealthReport {
  /** `not_writable`: reads work but a write did not commit (disk full, read-only, locked). */
  database: "ok" | "not_writable";
  /** Why the database is not ok, when it is not. */
  database_error?: string;
  bus: "embedded" | "connected" | "disconnected";
  /** This node's name in the cluster. */
  node: string;
  /** `following` once this node has caught up with the replicated log. */
  log: "following" | "catching_up" | "unreachable" | "broken";
}

/** Prometheus text for `GET /metrics`. */
export type MetricsText = () => Promise<{ contentType: string; body: string }>;

const plain = { tags: ["health"], security: security.none };

const healthz = createRoute({
  ...plain,
  method: "get",
  path: "/healthz",
  summary: "Liveness: the process answers",
  responses: { 200: { description: "Up", content: json(liveness) } },
});

const readyz = createRoute({
  ...plain,
  method: "get",
  path: "/readyz",
  summary: "Readiness: database taking writes, message bus connected, log caught up",
  responses: {
    200: { description: "Ready", content: json(readiness) },
    503: { description: "Not ready, and why", content: json(readiness) },
  },
});

const metricsRoute = createRoute({
  ...plain,
  method: "get",
  path: "/metrics",
  summary: "Prometheus metrics (`parley_…`)",
  responses: { 200: { description: "Prometheus text format", content: content("text/plain") } },
});

/** Declares and serves `/healthz`, `/readyz` and, when metrics are given, `/metrics`. */
export function registerHealthRoutes(
  app: HttpApp,
  check: () => HealthReport,
  metrics: MetricsText | undefined,
): void {
  serve(app, healthz, (c) => c.json({ status: "ok" }));
  serve(app, readyz, (c) => {
    const report = check();
    // Public and harmless: a dashboard served by another node of the cluster reads the name.
    c.header("Access-Control-Allow-Origin", "*");
    const ready =
      report.database === "ok" && report.bus !== "disconnected" && report.log === "following";
    return c.json({ status: ready ? "ready" : "unavailable", ...report }, ready ? 200 : 503);
  });
  if (metrics) {
    serve(app, metricsRoute, async (c) => {
      const { contentType, body } = await metrics();
      return c.body(body, 200, { "Content-Type": contentType });
    });
  }
}
