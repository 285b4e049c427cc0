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
const favicon = asset("/favicon.svg", "The console's icon", "image/svg+xml");
/** Browsers ask for `/favicon.ico` on any page parley serves (the API docs, a JSON route). */
const faviconIco = asset(
  "/favicon.ico",
  "The console's icon (SVG, at the path browsers guess)",
  "image/svg+xml",
);

/** parley's mark: a speech bubble with three voices, in the console's colours. */
const icon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="2" y="4" width="28" height="20" rx="6" fill="#1d3557"/><path d="M9 24v6l7-6z" fill="#1d3557"/><circle cx="10" cy="14" r="2.5" fill="#f4a261"/><circle cx="16" cy="14" r="2.5" fill="#fff"/><circle cx="22" cy="14" r="2.5" fill="#fff"/></svg>`;

/** Serves the dashboard page and its assets (no auth: the page signs in through the API). */
export function registerDashboard(app: HttpApp): void {
  const html = readFileSync(resolve(folder, "index.html"), "utf8");
  // Built once per server, on demand: servers that never serve the page never start esbuild.
  let bundle: Promise<string> | undefined;
  let css: Promise<string> | undefined;
  const headers = { "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff" };
  serve(app, page, (c) => c.html(html, 200, headers));
  serve(app, script, async (c) => {
    bundle ??= bundleDashboard();
    return c.body(await bundle, 200, {
      ...headers,
      "Content-Type": "text/javascript; charset=utf-8",
    });
  });
  const iconHeaders = {
    "Cache-Control": "public, max-age=86400",
    "Content-Type": "image/svg+xml",
    "X-Content-Type-Options": "nosniff",
  };
  serve(app, favicon, (c) => c.body(icon, 200, iconHeaders));
  serve(app, faviconIco, (c) => c.body(icon, 200, iconHeaders));
  serve(app, stylesheet, async (c) => {
    css ??= bundleStyles();
    return c.body(await css, 200, { ...headers, "Content-Type": "text/css; charset=utf-8" });
  });
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
 * style.css with the per-screen stylesheets it `@import`s inlined, so the page loads one
 * stylesheet while each screen keeps its styles in its own file.
 */
async function bundleStyles(): Promise<string> {
  const result = await build({
    entryPoints: [resolve(folder, "style.css")],
    bundle: true,
    write: false,
    logLevel: "silent",
  });
  const [output] = result.outputFiles;
  if (!output) {
    throw new Error("esbuild produced no dashboard stylesheet");
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
