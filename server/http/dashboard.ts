/**
 * The live dashboard at `/`: one HTML page, one ES module, one stylesheet, read once at start.
 * It is a reference client: it uses only the public HTTP API and the `/ws` feed.
 * @module
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { HttpApp } from "./env";

const folder = resolve(dirname(fileURLToPath(import.meta.url)), "../dashboard");

export function registerDashboard(app: HttpApp): void {
  const files = {
    html: readFileSync(resolve(folder, "index.html"), "utf8"),
    js: readFileSync(resolve(folder, "app.js"), "utf8"),
    css: readFileSync(resolve(folder, "style.css"), "utf8"),
  };
  const headers = { "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff" };
  app.get("/", (c) => c.html(files.html, 200, headers));
  app.get("/dashboard/app.js", (c) =>
    c.body(files.js, 200, { ...headers, "Content-Type": "text/javascript; charset=utf-8" }),
  );
  app.get("/dashboard/style.css", (c) =>
    c.body(files.css, 200, { ...headers, "Content-Type": "text/css; charset=utf-8" }),
  );
}
