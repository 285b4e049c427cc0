/**
 * The API reference at `/docs`: Swagger UI rendering `/openapi.json`, its script and stylesheet
 * served by parley from the `swagger-ui-dist` package, so the page works on a machine with no
 * internet access (nothing is fetched from a CDN). Files are read once, on first request.
 * @module
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import type { HttpApp } from "./env";
import { content, kazooErrors, security } from "./responses";
import { serve } from "./route";

const require = createRequire(import.meta.url);

/** The assets parley serves under `/docs/assets/`, by file name. */
const assets: Record<string, string> = {
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>parley API</title>
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" />
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css" />
  </head>
  <body>
    <div id="api-reference" data-url="/openapi.json"></div>
    <script src="/docs/assets/swagger-ui-bundle.js"></script>
    <script>
      SwaggerUIBundle({ url: "/openapi.json", dom_id: "#api-reference", deepLinking: true });
    </script>
  </body>
</html>
`;

const plain = { tags: ["health"], security: security.none };

const docsPage = createRoute({
  ...plain,
  method: "get",
  path: "/docs",
  summary: "The API reference, rendered (Swagger UI, served by parley: works offline)",
  responses: { 200: { description: "HTML", content: content("text/html") } },
});

const docsAsset = createRoute({
  ...plain,
  method: "get",
  path: "/docs/assets/{file}",
  summary: "The reference page's script, stylesheet and icon",
  request: {
    params: z.object({
      file: z.string().meta({ description: `One of ${Object.keys(assets).join(", ")}` }),
    }),
  },
  responses: {
    200: {
      description: "The file",
      content: content(...new Set(Object.values(assets).map((type) => type.split(";")[0] ?? type))),
    },
    ...kazooErrors(404),
  },
});

/** Serves the reference page and its assets from the installed swagger-ui-dist. */
export function registerDocs(app: HttpApp): void {
  const folder = dirname(require.resolve("swagger-ui-dist/package.json"));
  const cache = new Map<string, Buffer>();
  const read = (name: string) => {
    let body = cache.get(name);
    if (!body) {
      body = readFileSync(resolve(folder, name));
      cache.set(name, body);
    }
    return body;
  };
  serve(app, docsPage, (c) => c.html(page));
  serve(app, docsAsset, (c) => {
    const name = c.req.param("file");
    const type = Object.hasOwn(assets, name) ? assets[name] : undefined;
    if (!type) {
      return c.notFound();
    }
    return c.body(new Uint8Array(read(name)), 200, {
      "Content-Type": type,
      "Cache-Control": "public, max-age=86400",
      "X-Content-Type-Options": "nosniff",
    });
  });
}
