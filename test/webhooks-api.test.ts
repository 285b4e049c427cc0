import { describe, expect, it } from "vitest";
import { apiClient, createAccount, type Json, type TestAccount } from "./helpers/api";
import { expectErrorEnvelope } from "./helpers/live";
import { startServer } from "./helpers/server";
import { createWebhook, webhookPath } from "./helpers/webhooks";

/** A public address literal: needs no DNS and passes the SSRF guard. */
const PUBLIC_URL = "https://93.184.215.14/hooks/parley";

async function setup(env: Record<string, string> = {}) {
  const server = await startServer(env);
  const api = apiClient(server);
  const account = await createAccount(api);
  const collection = (a: TestAccount = account) => `/v2/accounts/${a.id}/webhooks`;
  const create = (data: unknown, a: TestAccount = account) =>
    api.put(collection(a), { token: a.token, body: { data } });
  return { server, api, account, collection, create };
}

const base = {
  name: "crm",
  url: PUBLIC_URL,
  event_types: ["meeting.started", "meeting.ended"],
};

function decodedSecretLength(secret: string): number {
  return Buffer.from(secret.replace(/^whsec_/, ""), "base64").length;
}

describe("webhook subscriptions API", () => {
  it("creates a subscription and shows its whsec_ secret only in the create answer", async () => {
    const { api, account, create, collection } = await setup();
    const res = await create({ ...base, conference_id: "conf-1", format: "bbb" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: "success",
      request_id: expect.any(String),
      auth_token: expect.any(String),
      timestamp: expect.any(String),
      version: expect.any(String),
    });
    const data = res.body.data;
    expect(Object.keys(data).sort()).toEqual(
      [
        "conference_id",
        "created",
        "enabled",
        "event_types",
        "format",
        "id",
        "name",
        "ordered",
        "secret",
        "updated",
        "url",
      ].sort(),
    );
    expect(data).toMatchObject({
      name: "crm",
      url: PUBLIC_URL,
      event_types: ["meeting.started", "meeting.ended"],
      conference_id: "conf-1",
      format: "bbb",
      enabled: true,
    });
    expect(data.id).toMatch(/^wh_/);
    expect(data.secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(decodedSecretLength(data.secret)).toBe(32);
    expect(data.created).toBeDefined();
    expect(data.updated).toBeDefined();

    const one = await api.get(`${collection()}/${data.id}`, { token: account.token });
    expect(one.status).toBe(200);
    expect(one.body.data).not.toHaveProperty("secret");
    expect(one.body.data).toMatchObject({ id: data.id, name: "crm", format: "bbb" });
    expect(JSON.stringify(one.body)).not.toContain(data.secret);

    const list = await api.get(collection(), { token: account.token });
    expect(list.status).toBe(200);
    expect(list.body.page_size).toBe(1);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({ id: data.id, name: "crm" });
    expect(list.body.data[0]).not.toHaveProperty("secret");
    expect(JSON.stringify(list.body)).not.toContain(data.secret);
  });

  it("defaults the format to native and enabled to true, and omits conference_id when unset", async () => {
    const { create } = await setup();
    const res = await create(base);
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ format: "native", enabled: true });
    expect(res.body.data).not.toHaveProperty("conference_id");
  });

  it("lists several subscriptions with page_size", async () => {
    const { api, account, create, collection } = await setup();
    const a = await create({ ...base, name: "one" });
    const b = await create({ ...base, name: "two", event_types: ["*"] });
    const list = await api.get(collection(), { token: account.token });
    expect(list.body.page_size).toBe(2);
    expect(list.body.data.map((w: Json) => w.id).sort()).toEqual(
      [a.body.data.id, b.body.data.id].sort(),
    );
  });

  it("replaces a subscription with POST and merges one with PATCH, never showing the secret", async () => {
    const { api, account, create, collection } = await setup();
    const created = (await create({ ...base, conference_id: "conf-1" })).body.data;
    const path = `${collection()}/${created.id}`;

    const replaced = await api.post(path, {
      token: account.token,
      body: { data: { name: "replaced", url: PUBLIC_URL, event_types: ["*"], format: "raw" } },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.data).toMatchObject({
      id: created.id,
      name: "replaced",
      event_types: ["*"],
      format: "raw",
      enabled: true,
    });
    expect(replaced.body.data).not.toHaveProperty("conference_id");
    expect(replaced.body.data).not.toHaveProperty("secret");

    const patched = await api.patch(path, {
      token: account.token,
      body: { data: { name: "patched" } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({
      id: created.id,
      name: "patched",
      url: PUBLIC_URL,
      event_types: ["*"],
      format: "raw",
    });
    expect(patched.body.data).not.toHaveProperty("secret");

    const disabled = await api.patch(path, {
      token: account.token,
      body: { data: { enabled: false } },
    });
    expect(disabled.body.data.enabled).toBe(false);
    const again = await api.patch(path, {
      token: account.token,
      body: { data: { enabled: true } },
    });
    expect(again.body.data.enabled).toBe(true);
    expect(again.body.data).not.toHaveProperty("disabled_reason");

    const read = await api.get(path, { token: account.token });
    expect(read.body.data).toMatchObject({ name: "patched", format: "raw", enabled: true });
  });

  it("deletes a subscription: 200 with _read_only.deleted, then 404 bad_identifier", async () => {
    const { api, account, create, collection } = await setup();
    const created = (await create(base)).body.data;
    const path = `${collection()}/${created.id}`;
    const removed = await api.delete(path, { token: account.token });
    expect(removed.status).toBe(200);
    expect(removed.body.data).toMatchObject({ id: created.id, _read_only: { deleted: true } });

    const gone = await api.get(path, { token: account.token });
    expect(gone.status).toBe(404);
    expectErrorEnvelope(gone.body, 404, "bad_identifier");
    const list = await api.get(collection(), { token: account.token });
    expect(list.body.data).toEqual([]);
    expect((await api.delete(path, { token: account.token })).status).toBe(404);
    const action = await api.put(path, {
      token: account.token,
      body: { data: { action: "rotate_secret" } },
    });
    expect(action.status).toBe(404);
  });

  it("rotates the secret: the answer carries a new whsec_ secret, later reads do not", async () => {
    const { api, account, create, collection } = await setup();
    const created = (await create(base)).body.data;
    const path = `${collection()}/${created.id}`;
    const rotated = await api.put(path, {
      token: account.token,
      body: { data: { action: "rotate_secret" } },
    });
    expect(rotated.status).toBe(201);
    expect(rotated.body.data.id).toBe(created.id);
    expect(rotated.body.data.secret).toMatch(/^whsec_/);
    expect(rotated.body.data.secret).not.toBe(created.secret);
    expect(decodedSecretLength(rotated.body.data.secret)).toBe(32);
    const read = await api.get(path, { token: account.token });
    expect(read.body.data).not.toHaveProperty("secret");
    expect(JSON.stringify(read.body)).not.toContain(rotated.body.data.secret);
    expect(JSON.stringify(read.body)).not.toContain(created.secret);
  });

  it("answers an unknown or missing action with 404 faulty_request", async () => {
    const { api, account, create, collection } = await setup();
    const created = (await create(base)).body.data;
    const path = `${collection()}/${created.id}`;
    const unknown = await api.put(path, {
      token: account.token,
      body: { data: { action: "explode" } },
    });
    expect(unknown.status).toBe(404);
    expectErrorEnvelope(unknown.body, 404, "faulty_request");
    const missing = await api.put(path, { token: account.token, body: { data: {} } });
    expect(missing.status).toBe(404);
    expectErrorEnvelope(missing.body, 404, "faulty_request");
  });

  it("reports missing, empty and unknown event_types as validation errors keyed by field", async () => {
    const { create } = await setup();
    const { event_types: _omitted, ...withoutTypes } = base;

    const missing = await create(withoutTypes);
    expect(missing.status).toBe(400);
    expectErrorEnvelope(missing.body, 400, "validation error");
    expect(missing.body.data.event_types).toHaveProperty("required");

    const empty = await create({ ...base, event_types: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.data.event_types).toHaveProperty("minItems");

    const unknown = await create({ ...base, event_types: ["meeting.started", "meeting.exploded"] });
    expect(unknown.status).toBe(400);
    expectErrorEnvelope(unknown.body, 400, "validation error");
    const keys = Object.keys(unknown.body.data);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^event_types(\.1)?$/);
    expect(unknown.body.data[keys[0] as string]).toHaveProperty("enum");
  });

  it("reports an unknown format and a malformed url as validation errors keyed by field", async () => {
    const { create } = await setup();
    const format = await create({ ...base, format: "xml" });
    expect(format.status).toBe(400);
    expectErrorEnvelope(format.body, 400, "validation error");
    expect(format.body.data.format).toHaveProperty("enum");

    const notUrl = await create({ ...base, url: "not a url" });
    expect(notUrl.status).toBe(400);
    expect(notUrl.body.data).toHaveProperty("url");

    const noName = await create({ url: PUBLIC_URL, event_types: ["*"] });
    expect(noName.status).toBe(400);
    expect(noName.body.data.name).toHaveProperty("required");
  });

  it("refuses loopback, private, metadata and non-http targets without WEBHOOK_ALLOW_PRIVATE_TARGETS", async () => {
    const { api, account, create, collection } = await setup();
    for (const url of [
      "http://127.0.0.1:8080/hook",
      "http://localhost:9000/hook",
      "http://10.1.2.3/hook",
      "http://169.254.169.254/",
      "http://[::1]:8080/hook",
      "ftp://93.184.215.14/hook",
      "file:///etc/passwd",
    ]) {
      const res = await create({ ...base, url });
      expect(res.status, url).toBe(400);
      expectErrorEnvelope(res.body, 400, "validation error");
      expect(Object.keys(res.body.data), url).toEqual(["url"]);
    }
    expect((await api.get(collection(), { token: account.token })).body.data).toEqual([]);

    // A saved subscription cannot be pointed at a private address either.
    const created = (await create(base)).body.data;
    const path = `${collection()}/${created.id}`;
    const patched = await api.patch(path, {
      token: account.token,
      body: { data: { url: "http://169.254.169.254/latest/meta-data/" } },
    });
    expect(patched.status).toBe(400);
    expect(patched.body.data).toHaveProperty("url");
    const replaced = await api.post(path, {
      token: account.token,
      body: { data: { ...base, url: "http://10.0.0.1/" } },
    });
    expect(replaced.status).toBe(400);
    expect(replaced.body.data).toHaveProperty("url");
    expect((await api.get(path, { token: account.token })).body.data.url).toBe(PUBLIC_URL);
  });

  it("accepts a loopback target when WEBHOOK_ALLOW_PRIVATE_TARGETS is true", async () => {
    const { create } = await setup({ WEBHOOK_ALLOW_PRIVATE_TARGETS: "true" });
    const res = await create({ ...base, url: "http://127.0.0.1:9/hook" });
    expect(res.status).toBe(201);
    const ftp = await create({ ...base, url: "ftp://127.0.0.1/hook" });
    expect(ftp.status).toBe(400);
    expect(ftp.body.data).toHaveProperty("url");
  });

  it("lists an empty delivery log, filters it by status, and 404s an unknown delivery", async () => {
    const { api, account } = await setup();
    const hook = await createWebhook(api, account, base);
    const path = webhookPath(account, hook.id);
    const log = await api.get(`${path}/deliveries`, { token: account.token });
    expect(log.status).toBe(200);
    expect(log.body.data).toEqual([]);
    const filtered = await api.get(`${path}/deliveries?status=dead&limit=5`, {
      token: account.token,
    });
    expect(filtered.status).toBe(200);
    const bad = await api.get(`${path}/deliveries?status=lost`, { token: account.token });
    expect(bad.status).toBe(400);
    expectErrorEnvelope(bad.body, 400, "validation error");
    const unknown = await api.get(`${path}/deliveries/msg_nope`, { token: account.token });
    expect(unknown.status).toBe(404);
    expectErrorEnvelope(unknown.body, 404, "bad_identifier");
    const retry = await api.put(`${path}/deliveries/msg_nope`, {
      token: account.token,
      body: { data: { action: "retry" } },
    });
    expect(retry.status).toBe(404);
  });

  it("answers 405 invalid_method to verbs a webhook route does not support", async () => {
    const { api, account } = await setup();
    const hook = await createWebhook(api, account, base);
    const path = webhookPath(account, hook.id);
    for (const [method, route] of [
      ["POST", `/v2/accounts/${account.id}/webhooks`],
      ["PATCH", `/v2/accounts/${account.id}/webhooks`],
      ["DELETE", `/v2/accounts/${account.id}/webhooks`],
      ["POST", `${path}/deliveries`],
      ["DELETE", `${path}/deliveries`],
      ["POST", `${path}/deliveries/msg_x`],
      ["DELETE", `${path}/deliveries/msg_x`],
    ] as const) {
      const res = await api.request(method, route, { token: account.token, body: { data: {} } });
      expect(res.status, `${method} ${route}`).toBe(405);
      expectErrorEnvelope(res.body, 405, "invalid_method");
    }
    // The subscription is untouched by the refused verbs.
    expect((await api.get(path, { token: account.token })).status).toBe(200);
  });

  it("refuses another account's token on every webhook route with 403 and no data", async () => {
    const { api, account: a } = await setup();
    const b = await createAccount(api, "Beta Tenant");
    const hook = await createWebhook(api, a, { ...base, name: "alpha secret hook" });
    const path = webhookPath(a, hook.id);
    const routes = [
      ["GET", `/v2/accounts/${a.id}/webhooks`, undefined],
      ["PUT", `/v2/accounts/${a.id}/webhooks`, { data: { ...base, name: "planted" } }],
      ["GET", path, undefined],
      ["POST", path, { data: { ...base, name: "hijacked" } }],
      ["PATCH", path, { data: { name: "hijacked" } }],
      ["DELETE", path, undefined],
      ["PUT", path, { data: { action: "rotate_secret" } }],
      ["PUT", path, { data: { action: "ping" } }],
      ["PUT", path, { data: { action: "recover", since: 0 } }],
      ["GET", `${path}/deliveries`, undefined],
      ["GET", `${path}/deliveries/msg_x`, undefined],
      ["PUT", `${path}/deliveries/msg_x`, { data: { action: "retry" } }],
    ] as const;
    for (const [method, route, body] of routes) {
      const res = await api.request(method, route, { token: b.token, body });
      expect(res.status, `${method} ${route}`).toBe(403);
      expectErrorEnvelope(res.body, 403, "forbidden");
      expect(JSON.stringify(res.body)).not.toContain("alpha secret hook");
    }
    const read = await api.get(path, { token: a.token });
    expect(read.status).toBe(200);
    expect(read.body.data).toMatchObject({ name: "alpha secret hook", enabled: true });
    expect((await api.get(`${path}/deliveries`, { token: a.token })).body.data).toEqual([]);
    expect(
      (await api.get(`/v2/accounts/${a.id}/webhooks`, { token: a.token })).body.data,
    ).toHaveLength(1);
  });

  it("does not show an account's webhook through another account's own path", async () => {
    const { api, account: a } = await setup();
    const b = await createAccount(api, "Beta Tenant");
    const hook = await createWebhook(api, a, { ...base, name: "alpha secret hook" });
    const foreign = webhookPath(b, hook.id);
    const routes = [
      ["GET", foreign, undefined],
      ["POST", foreign, { data: { ...base, name: "hijacked" } }],
      ["PATCH", foreign, { data: { name: "hijacked" } }],
      ["DELETE", foreign, undefined],
      ["PUT", foreign, { data: { action: "rotate_secret" } }],
      ["PUT", foreign, { data: { action: "ping" } }],
      ["PUT", foreign, { data: { action: "recover", since: 0 } }],
      ["GET", `${foreign}/deliveries`, undefined],
    ] as const;
    for (const [method, route, body] of routes) {
      const res = await api.request(method, route, { token: b.token, body });
      expect(res.status, `${method} ${route}`).toBe(404);
      expectErrorEnvelope(res.body, 404, "bad_identifier");
      expect(JSON.stringify(res.body)).not.toContain("alpha secret hook");
    }
    const bList = await api.get(`/v2/accounts/${b.id}/webhooks`, { token: b.token });
    expect(bList.status).toBe(200);
    expect(bList.body.data).toEqual([]);
    const read = await api.get(webhookPath(a, hook.id), { token: a.token });
    expect(read.body.data).toMatchObject({ name: "alpha secret hook", enabled: true });
    expect(read.body.data.updated).toEqual(hook.body.data.updated);
  });
});
