import { describe, expect, it } from "vitest";
import { apiClient, createAccount, createConference } from "./helpers/api";
import { expectErrorEnvelope } from "./helpers/live";
import { ADMIN_TOKEN, startServer } from "./helpers/server";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isoTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

async function setup() {
  const server = await startServer();
  const api = apiClient(server);
  const account = await createAccount(api);
  return { server, api, account, base: `/v2/accounts/${account.id}/conferences` };
}

describe("request ids", () => {
  it("echoes the X-Request-ID request header in the body's request_id and the response header", async () => {
    const { api, account, base } = await setup();
    const requestId = "req-7f3a9c21-kazoo";
    const res = await api.get(base, {
      token: account.token,
      headers: { "X-Request-ID": requestId },
    });
    expect(res.status).toBe(200);
    expect(res.body.request_id).toBe(requestId);
    expect(res.headers.get("x-request-id")).toBe(requestId);
  });

  it("echoes the X-Request-ID on errors too", async () => {
    const { api, base } = await setup();
    const res = await api.get(base, { headers: { "X-Request-ID": "err-req-1" } });
    expect(res.status).toBe(401);
    expect(res.body.request_id).toBe("err-req-1");
    expect(res.headers.get("x-request-id")).toBe("err-req-1");
  });

  it("names the request on every kind of answer: unknown route, wrong method, metrics, the dashboard", async () => {
    const { api, account, base } = await setup();
    const answers = [
      await api.get("/v2/no-such-route", { headers: { "X-Request-ID": "any-1" } }),
      await api.delete(base, { token: account.token, headers: { "X-Request-ID": "any-2" } }),
      await api.get("/metrics", { headers: { "X-Request-ID": "any-3" } }),
      await api.get("/", { headers: { "X-Request-ID": "any-4" } }),
      await api.get("/readyz", { headers: { "X-Request-ID": "any-5" } }),
    ];
    expect(answers.map((res) => res.headers.get("x-request-id"))).toEqual([
      "any-1",
      "any-2",
      "any-3",
      "any-4",
      "any-5",
    ]);
  });

  it("generates a fresh UUID when no X-Request-ID is given, and the header matches the body", async () => {
    const { api, account, base } = await setup();
    const first = await api.get(base, { token: account.token });
    const second = await api.get(base, { token: account.token });
    expect(first.body.request_id).toMatch(uuid);
    expect(second.body.request_id).toMatch(uuid);
    expect(first.body.request_id).not.toBe(second.body.request_id);
    expect(first.headers.get("x-request-id")).toBe(first.body.request_id);
  });
});

describe("success envelope", () => {
  it("carries auth_token (echoing the token), data, request_id, status, timestamp and version", async () => {
    const { api, account, base } = await setup();
    const res = await api.get(base, { token: account.token });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = res.body;
    expect(body.auth_token).toBe(account.token);
    expect(body.status).toBe("success");
    expect(Array.isArray(body.data)).toBe(true);
    expect(typeof body.request_id).toBe("string");
    expect(typeof body.version).toBe("string");
    expect(body.version.length).toBeGreaterThan(0);
    expect(typeof body.timestamp).toBe("string");
    expect(body.timestamp).toMatch(isoTimestamp);
    const at = Date.parse(body.timestamp.endsWith("Z") ? body.timestamp : `${body.timestamp}Z`);
    expect(Math.abs(at - Date.now())).toBeLessThan(60_000);
    expect(body).not.toHaveProperty("error");
    expect(body).not.toHaveProperty("message");
  });

  it("echoes the admin token as auth_token on admin routes", async () => {
    const { api } = await setup();
    const res = await api.get("/v2/accounts", { token: ADMIN_TOKEN });
    expect(res.status).toBe(200);
    expect(res.body.auth_token).toBe(ADMIN_TOKEN);
  });

  it("carries a revision for a stored document", async () => {
    const { api, account, base } = await setup();
    const id = await createConference(api, account);
    const res = await api.get(`${base}/${id}`, { token: account.token });
    expect(res.body.revision).toMatch(/^1-[0-9a-f]{32}$/);
  });

  it("answers the token exchange with the new token as auth_token", async () => {
    const { api, account } = await setup();
    const res = await api.put("/v2/api_auth", { body: { data: { api_key: account.apiKey } } });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("success");
    expect(typeof res.body.auth_token).toBe("string");
    expect(res.body.auth_token.length).toBeGreaterThan(0);
    expect(res.body.timestamp).toMatch(isoTimestamp);
  });
});

describe("error envelope", () => {
  it("answers an unknown route with a 404 envelope and status error", async () => {
    const { api, account } = await setup();
    for (const path of ["/nope", "/v2/nothing-here", `/v2/accounts/${account.id}/widgets`]) {
      const res = await api.get(path, { token: account.token });
      expect(res.status, path).toBe(404);
      expect(res.body.status).toBe("error");
      expect(res.body.error).toBe("404");
      expect(typeof res.body.message).toBe("string");
      expect(typeof res.body.request_id).toBe("string");
      expect(res.body.timestamp).toMatch(isoTimestamp);
      expect(res.headers.get("x-request-id")).toBe(res.body.request_id);
    }
  });

  it("answers 401 with the invalid_credentials envelope and an empty auth_token", async () => {
    const { api, base } = await setup();
    const res = await api.get(base);
    expect(res.status).toBe(401);
    expectErrorEnvelope(res.body, 401, "invalid_credentials");
    expect(res.body.auth_token).toBe("");
    expect(res.body.data).toEqual({ message: "invalid credentials" });
  });

  it("echoes the caller's token in error envelopes", async () => {
    const { api, account, base } = await setup();
    const res = await api.get(`${base}/ffffffffffffffffffffffffffffffff`, { token: account.token });
    expect(res.status).toBe(404);
    expectErrorEnvelope(res.body, 404, "bad_identifier");
    expect(res.body.auth_token).toBe(account.token);
  });
});

describe("health", () => {
  it("answers /healthz with 200", async () => {
    const { server } = await setup();
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
  });

  it('answers /readyz with 200 and bus "embedded"', async () => {
    const { server } = await setup();
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { bus?: unknown };
    expect(body.bus).toBe("embedded");
  });

  it("needs no token for the health endpoints", async () => {
    const server = await startServer();
    for (const path of ["/healthz", "/readyz"]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
    }
  });
});
