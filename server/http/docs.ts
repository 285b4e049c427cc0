/**
 * The API reference at `/docs`: Swagger UI rendering `/openapi.json`, its script and stylesheet
 * served by parley from the `swagger-ui-dist` package, so the page works on a machine with no
 * internet access (nothing is fetched from a CDN). Files are read once, on first request.
 * @module
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import type { HttpApp } from "./env";

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
  app.get("/docs", (c) => c.html(page));
  app.get("/docs/assets/:file", (c) => {
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
