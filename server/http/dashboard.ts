/**
 * The live dashboard at `/`: one HTML page, one ES module, one stylesheet. The module is
 * server/dashboard/main.ts bundled by esbuild in memory on its first request (with the protocol/
 * tables it imports), so the page is type-checked TypeScript with nothing to build by hand.
 * It is a reference client: it uses only the public HTTP API and the `/ws` feed.
 * @module
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRoute } from "@hono/zod-openapi";
import { build, type Plugin } from "esbuild";
import type { HttpApp } from "./env";
import { content, security } from "./responses";
import { serve } from "./route";

const folder = resolve(dirname(fileURLToPath(import.meta.url)), "../dashboard");

/** A dashboard file: no auth (the page signs in with an API key through the public API). */
function asset(path: string, summary: string, type: string) {
  return createRoute({
    method: "get",
    path,
    summary,
    tags: ["dashboard"],
    security: security.none,
    responses: { 200: { description: type, content: content(type) } },
  });
}

const page = asset("/", "Live dashboard", "text/html");
const script = asset("/dashboard/app.js", "Live dashboard script", "text/javascript");
const stylesheet = asset("/dashboard/style.css", "Live dashboard stylesheet", "text/css");

/** Serves the dashboard page and its assets (no auth: the page signs in through the API). */
export function registerDashboard(app: HttpApp): void {
  const html = readFileSync(resolve(folder, "index.html"), "utf8");
  const css = readFileSync(resolve(folder, "style.css"), "utf8");
  // Built once per server, on demand: servers that never serve the page never start esbuild.
  let bundle: Promise<string> | undefined;
  const headers = { "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff" };
  serve(app, page, (c) => c.html(html, 200, headers));
  serve(app, script, async (c) => {
    bundle ??= bundleDashboard();
    return c.body(await bundle, 200, {
      ...headers,
      "Content-Type": "text/javascript; charset=utf-8",
    });
  });
  serve(app, stylesheet, (c) =>
    c.body(css, 200, { ...headers, "Content-Type": "text/css; charset=utf-8" }),
  );
}

/** The dashboard's modules as one ES module, with an inline source map back to the .ts files. */
async function bundleDashboard(): Promise<string> {
  const result = await build({
    entryPoints: [resolve(folder, "main.ts")],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: "inline",
    logLevel: "silent",
    plugins: [ownModulesOnly],
  });
  const [output] = result.outputFiles;
  if (!output) {
    throw new Error("esbuild produced no dashboard bundle");
  }
  return output.text;
}

/**
 * Fails the build when the page imports a package: a protocol/ module that pulls in zod would
 * otherwise put three quarters of a megabyte into the page without a word.
 */
const ownModulesOnly: Plugin = {
  name: "parley-own-modules-only",
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) =>
      args.kind === "entry-point"
        ? undefined
        : { errors: [{ text: `the dashboard may not import the package "${args.path}"` }] },
    );
  },
};
