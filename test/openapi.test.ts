import { describe, expect, it } from "vitest";
import type { Json } from "./helpers/api";
import { launchChromium } from "./helpers/chromium";
import { startServer } from "./helpers/server";

describe("API documentation", () => {
  it("documents every route the server registers, with its method, parameters and auth", async () => {
    const server = await startServer();
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as Json;
    expect(document.openapi).toBe("3.1.0");
    const documented = new Set(
      Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
        ([path, methods]) =>
          Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    const registered = server.app.routes
      .filter((route) => route.method !== "ALL")
      .map(
        (route) =>
          `${route.method} ${route.path.replace(/\{[^}]*\}/g, "").replace(/:(\w+)/g, "{$1}")}`,
      );
    expect(registered.length).toBeGreaterThan(40);
    for (const route of new Set(registered)) {
      expect(documented, route).toContain(route);
    }
    const create = document.paths["/v2/accounts/{accountId}/conferences"].put;
    expect(create.security).toEqual([{ authToken: [] }, { bearer: [] }]);
    expect(
      create.requestBody.content["application/json"].schema.properties.data.properties.name,
    ).toMatchObject({
      type: "string",
      minLength: 1,
      maxLength: 128,
    });
    expect(Object.keys(create.responses)).toEqual(
      expect.arrayContaining(["201", "400", "401", "403"]),
    );
    expect(document.components.schemas.ErrorEnvelope.required).toContain("message");
  });

  it("renders the reference at /docs in a browser with no internet access, from assets parley serves", async () => {
    const server = await startServer();
    const browser = await launchChromium();
    const page = await browser.newPage();
    const origin = new URL(server.url).origin;
    const elsewhere: string[] = [];
    // Everything outside parley is unreachable, as on an operator's offline network.
    await page.route("**/*", (route) => {
      if (new URL(route.request().url()).origin === origin) {
        return route.continue();
      }
      elsewhere.push(route.request().url());
      return route.abort("internetdisconnected");
    });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${server.url}/docs`);
    await expect
      .poll(() => page.locator(".swagger-ui .info .title").textContent(), { timeout: 20_000 })
      .toMatch(/^parley/);
    // Operations from the document are listed, e.g. the conference create route.
    await page
      .locator(".opblock-summary-path", { hasText: "/v2/accounts/{accountId}/conferences" })
      .first()
      .waitFor();
    expect(elsewhere).toEqual([]);
    expect(errors).toEqual([]);
    const asset = await fetch(`${server.url}/docs/assets/swagger-ui-bundle.js`);
    expect(asset.headers.get("content-type")).toMatch(/javascript/);
    expect((await fetch(`${server.url}/docs/assets/..%2Fpackage.json`)).status).toBe(404);
  });
});
