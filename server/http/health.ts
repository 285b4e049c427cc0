/**
 * Liveness (`/healthz`: the process answers) and readiness (`/readyz`: database open, migrated
 * and taking writes, broker connected when one is configured).
 * @module
 */
import type { HttpApp } from "./env";

/** The state of each dependency, as `/readyz` reports it. */
export interface HealthReport {
  /** `not_writable`: reads work but a write did not commit (disk full, read-only, locked). */
  database: "ok" | "not_writable";
  /** Why the database is not ok, when it is not. */
  database_error?: string;
  bus: "embedded" | "connected" | "disconnected";
}

export function registerHealthRoutes(app: HttpApp, check: () => HealthReport): void {
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", (c) => {
    const report = check();
    const ready = report.database === "ok" && report.bus !== "disconnected";
    return c.json({ status: ready ? "ready" : "unavailable", ...report }, ready ? 200 : 503);
  });
}
