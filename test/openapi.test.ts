import { describe, expect, it } from "vitest";
import type { Json } from "./helpers/api";
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

  it("renders the reference at /docs", async () => {
    const server = await startServer();
    const res = await fetch(`${server.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(await res.text()).toContain('data-url="/openapi.json"');
  });
});
