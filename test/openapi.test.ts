import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type ContractViolation, checkAnswers } from "../server/http/contract-check";
import type { HttpEnv } from "../server/http/env";
import { json } from "../server/http/responses";
import { serve } from "../server/http/route";
import type { Json } from "./helpers/api";
import { launchChromium } from "./helpers/chromium";
import { startServer } from "./helpers/server";

describe("API documentation", () => {
  it("documents every route the server serves and serves every route it documents", async () => {
    const server = await startServer();
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as Json;
    expect(document.openapi).toBe("3.1.0");
    const documented = new Set(
      Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
        ([path, methods]) =>
          Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    const registered = new Set(
      server.app.routes
        .filter((route) => route.method !== "ALL")
        .map(
          (route) =>
            `${route.method} ${route.path.replace(/\{[^}]*\}/g, "").replace(/:(\w+)/g, "{$1}")}`,
        ),
    );
    expect(registered.size).toBeGreaterThan(45);
    expect([...registered].filter((route) => !documented.has(route))).toEqual([]);
    expect([...documented].filter((route) => !registered.has(route))).toEqual([]);
  });

  it("declares every answer of every operation with its content and schema", async () => {
    const server = await startServer();
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as Json;
    const operations = Object.entries(
      document.paths as Record<string, Record<string, Json>>,
    ).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        route: `${method} ${path}`,
        operation,
      })),
    );
    for (const { route, operation } of operations) {
      const statuses = Object.keys(operation.responses);
      expect(
        statuses.some((status) => /^[23]\d\d$/.test(status)),
        route,
      ).toBe(true);
      expect(operation.tags, route).toHaveLength(1);
      expect(Array.isArray(operation.security), route).toBe(true);
      for (const status of statuses) {
        const answer = operation.responses[status];
        expect(typeof answer.description, `${route} ${status}`).toBe("string");
        for (const [type, media] of Object.entries(answer.content ?? {}) as Array<[string, Json]>) {
          expect(media.schema, `${route} ${status} ${type}`).toBeDefined();
        }
      }
    }

    const create = document.paths["/v2/accounts/{accountId}/conferences"].put;
    expect(create.security).toEqual([{ authToken: [] }, { bearer: [] }]);
    expect(
      create.requestBody.content["application/json"].schema.properties.data.properties.name,
    ).toMatchObject({ type: "string", minLength: 1, maxLength: 128 });
    expect(Object.keys(create.responses)).toEqual(
      expect.arrayContaining(["201", "400", "401", "403", "default"]),
    );
    const created = create.responses["201"].content["application/json"].schema;
    expect(created.properties.status).toMatchObject({ enum: ["success"] });
    expect(created.properties.data).toEqual({ $ref: "#/components/schemas/ConferenceDocument" });
    expect(document.components.schemas.ErrorEnvelope.required).toContain("message");
    expect(document.components.schemas.Participant.properties).toHaveProperty("participant_id");

    const meetings = document.paths["/meetings"].get;
    expect(meetings.security).toEqual([{ cbToken: [] }]);
    expect(meetings.responses["422"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/ConnectyCubeErrors",
    });
    const bbb = document.paths["/v2/accounts/{accountId}/bigbluebutton/api/hooks/create"].get;
    expect(Object.keys(bbb.responses["200"].content)).toEqual(["text/xml"]);
    expect(bbb.parameters.map((p: Json) => p.name)).toEqual(
      expect.arrayContaining(["accountId", "callbackURL", "checksum"]),
    );
  });

  it("fails an answer its declaration does not describe, in the suite's contract check", async () => {
    const app = new OpenAPIHono<HttpEnv>();
    const violations: ContractViolation[] = [];
    app.use(checkAnswers(app, (violation) => violations.push(violation)));
    const route = createRoute({
      method: "get",
      path: "/things/{id}",
      request: { params: z.object({ id: z.string() }) },
      responses: {
        200: { description: "A thing", content: json(z.strictObject({ ok: z.boolean() })) },
      },
    });
    serve(app, route, (c) =>
      c.req.param("id") === "bad"
        ? c.json({ ok: "yes" })
        : c.json({ ok: true }, c.req.param("id") === "gone" ? 404 : 200),
    );
    expect((await app.fetch(new Request("http://x/things/good"))).status).toBe(200);
    expect(violations).toEqual([]);
    const bad = await app.fetch(new Request("http://x/things/bad"));
    expect(bad.status).toBe(500);
    expect(await bad.json()).toMatchObject({ contract_violation: { route: "GET /things/{id}" } });
    await app.fetch(new Request("http://x/things/gone"));
    expect(violations.map((v) => [v.path, v.problem])).toEqual([
      ["/things/bad", expect.stringMatching(/^ok: /)],
      ["/things/gone", "status 404 is not declared"],
    ]);
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
