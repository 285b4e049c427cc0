import { describe, expect, it } from "vitest";
import { apiClient, createAccount } from "./helpers/api";
import { hexId } from "./helpers/events";
import { expectErrorEnvelope } from "./helpers/live";
import { ADMIN_TOKEN, startServer } from "./helpers/server";

const hex32 = /^[0-9a-f]{32}$/;

async function setup() {
  const server = await startServer();
  const api = apiClient(server);
  return { server, api };
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

describe("accounts", () => {
  it("lets the admin create an account and answers 201 with id, name and api_key", async () => {
    const { api } = await setup();
    const res = await api.put("/v2/accounts", {
      token: ADMIN_TOKEN,
      body: { data: { name: "Acme" } },
    });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("success");
    expect(res.body.data.id).toMatch(hex32);
    expect(res.body.data.name).toBe("Acme");
    expect(typeof res.body.data.api_key).toBe("string");
    expect(res.body.data.api_key.length).toBeGreaterThan(0);
  });

  it("uses a caller-chosen 32-hex id and refuses the same id twice with a 400 validation error", async () => {
    const { api } = await setup();
    const id = hexId();
    const first = await api.put("/v2/accounts", {
      token: ADMIN_TOKEN,
      body: { data: { name: "Platform", id } },
    });
    expect(first.status).toBe(201);
    expect(first.body.data.id).toBe(id);

    const again = await api.put("/v2/accounts", {
      token: ADMIN_TOKEN,
      body: { data: { name: "Copycat", id } },
    });
    expect(again.status).toBe(400);
    expectErrorEnvelope(again.body, 400, "validation error");
    expect(again.body.data).toHaveProperty("id");

    const list = await api.get("/v2/accounts", { token: ADMIN_TOKEN });
    expect(list.body.data.filter((a: { id: string }) => a.id === id)).toHaveLength(1);
  });

  it("refuses account creation without the admin token", async () => {
    const { api } = await setup();
    const account = await createAccount(api);
    const asAccount = await api.put("/v2/accounts", {
      token: account.token,
      body: { data: { name: "Sneaky" } },
    });
    expect(asAccount.status).toBe(403);
    expectErrorEnvelope(asAccount.body, 403, "forbidden");
    const anonymous = await api.put("/v2/accounts", { body: { data: { name: "Sneaky" } } });
    expect(anonymous.status).toBe(401);
    expectErrorEnvelope(anonymous.body, 401, "invalid_credentials");
  });

  it("lists accounts for the admin only: account token 403, no token 401 invalid_credentials", async () => {
    const { api } = await setup();
    const a = await createAccount(api, "Alpha");
    const b = await createAccount(api, "Beta");

    const asAdmin = await api.get("/v2/accounts", { token: ADMIN_TOKEN });
    expect(asAdmin.status).toBe(200);
    const ids = asAdmin.body.data.map((row: { id: string }) => row.id);
    expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(JSON.stringify(asAdmin.body)).not.toContain(a.apiKey);

    const asAccount = await api.get("/v2/accounts", { token: a.token });
    expect(asAccount.status).toBe(403);
    expectErrorEnvelope(asAccount.body, 403, "forbidden");
    expect(JSON.stringify(asAccount.body)).not.toContain(b.id);

    const anonymous = await api.get("/v2/accounts");
    expect(anonymous.status).toBe(401);
    expectErrorEnvelope(anonymous.body, 401, "invalid_credentials");
    expect(anonymous.body.data).toEqual({ message: "invalid credentials" });
  });

  it("shows an account to itself and to the admin, never its api key", async () => {
    const { api } = await setup();
    const a = await createAccount(api, "Alpha");
    for (const token of [a.token, ADMIN_TOKEN]) {
      const res = await api.get(`/v2/accounts/${a.id}`, { token });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ id: a.id, name: "Alpha" });
      expect(res.body.data).not.toHaveProperty("api_key");
      expect(JSON.stringify(res.body)).not.toContain(a.apiKey);
    }
  });

  it("refuses another account's token on GET /v2/accounts/{A} with 403 and no data", async () => {
    const { api } = await setup();
    const a = await createAccount(api, "Alpha");
    const b = await createAccount(api, "Beta");
    const res = await api.get(`/v2/accounts/${a.id}`, { token: b.token });
    expect(res.status).toBe(403);
    expectErrorEnvelope(res.body, 403, "forbidden");
    expect(JSON.stringify(res.body)).not.toContain("Alpha");
  });

  it("answers 404 bad_identifier to the admin for an unknown account", async () => {
    const { api } = await setup();
    const unknown = hexId();
    const res = await api.get(`/v2/accounts/${unknown}`, { token: ADMIN_TOKEN });
    expect(res.status).toBe(404);
    expectErrorEnvelope(res.body, 404, "bad_identifier");
  });
});

describe("api_auth", () => {
  it("exchanges a valid api key for a token: 201, top-level auth_token, account_id and expires_at", async () => {
    const { api } = await setup();
    const created = await api.put("/v2/accounts", {
      token: ADMIN_TOKEN,
      body: { data: { name: "Acme" } },
    });
    const before = Math.floor(Date.now() / 1000);
    const res = await api.put("/v2/api_auth", {
      body: { data: { api_key: created.body.data.api_key } },
    });
    const after = Math.ceil(Date.now() / 1000);
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("success");
    expect(typeof res.body.auth_token).toBe("string");
    expect(res.body.auth_token.length).toBeGreaterThan(0);
    expect(res.body.data.account_id).toBe(created.body.data.id);
    expect(res.body.data).not.toHaveProperty("user_id");
    expect(Number.isInteger(res.body.data.expires_at)).toBe(true);
    expect(res.body.data.expires_at).toBeGreaterThanOrEqual(before + 3600 - 1);
    expect(res.body.data.expires_at).toBeLessThanOrEqual(after + 3600 + 1);
  });

  it("echoes an optional user_id", async () => {
    const { api } = await setup();
    const account = await createAccount(api);
    const userId = hexId();
    const res = await api.put("/v2/api_auth", {
      body: { data: { api_key: account.apiKey, user_id: userId } },
    });
    expect(res.status).toBe(201);
    expect(res.body.data.user_id).toBe(userId);
    expect(res.body.data.account_id).toBe(account.id);
  });

  it("refuses a wrong api key with 401 invalid_credentials and no token", async () => {
    const { api } = await setup();
    await createAccount(api);
    const res = await api.put("/v2/api_auth", { body: { data: { api_key: "not-a-key" } } });
    expect(res.status).toBe(401);
    expectErrorEnvelope(res.body, 401, "invalid_credentials");
    expect(res.body.auth_token).toBe("");
  });

  it("answers 400 with data.api_key.required when api_key is missing", async () => {
    const { api } = await setup();
    const res = await api.put("/v2/api_auth", { body: { data: {} } });
    expect(res.status).toBe(400);
    expectErrorEnvelope(res.body, 400, "validation error");
    expect(res.body.data.api_key.required).toMatchObject({
      message: "Field is required but missing",
    });
  });

  it("accepts the token in X-Auth-Token and in Authorization: Bearer", async () => {
    const { api } = await setup();
    const account = await createAccount(api);
    const path = `/v2/accounts/${account.id}/conferences`;
    const viaHeader = await api.get(path, { headers: { "X-Auth-Token": account.token } });
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body.auth_token).toBe(account.token);
    const viaBearer = await api.get(path, {
      headers: { Authorization: `Bearer ${account.token}` },
    });
    expect(viaBearer.status).toBe(200);
    expect(viaBearer.body.auth_token).toBe(account.token);
  });

  it("refuses a token once it has expired (after 3600 s)", async () => {
    let clock = Date.UTC(2025, 0, 15, 12, 0, 0);
    const server = await startServer({}, { now: () => clock });
    const api = apiClient(server);
    const account = await createAccount(api);
    const path = `/v2/accounts/${account.id}/conferences`;

    expect((await api.get(path, { token: account.token })).status).toBe(200);
    clock += 3599 * 1000;
    expect((await api.get(path, { token: account.token })).status).toBe(200);
    clock += 2 * 1000;
    const expired = await api.get(path, { token: account.token });
    expect(expired.status).toBe(401);
    expectErrorEnvelope(expired.body, 401, "invalid_credentials");
  });

  it("refuses a token whose payload was altered or whose signature was forged", async () => {
    const { api } = await setup();
    const a = await createAccount(api, "Alpha");
    const b = await createAccount(api, "Beta");
    const [header, payload, signature] = a.token.split(".") as [string, string, string];

    // b's claims under a's signature
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    const swapped = `${header}.${b64url({ ...claims, account_id: b.id })}.${signature}`;
    const r1 = await api.get(`/v2/accounts/${b.id}/conferences`, { token: swapped });
    expect(r1.status).toBe(401);
    expectErrorEnvelope(r1.body, 401, "invalid_credentials");

    // a's own claims with a different signature
    const flipped = Buffer.from(signature, "base64url");
    flipped[0] = (flipped[0] ?? 0) ^ 0xff;
    const forged = `${header}.${payload}.${flipped.toString("base64url")}`;
    const r2 = await api.get(`/v2/accounts/${a.id}/conferences`, { token: forged });
    expect(r2.status).toBe(401);
    expectErrorEnvelope(r2.body, 401, "invalid_credentials");

    // a truncated token
    const r3 = await api.get(`/v2/accounts/${a.id}/conferences`, {
      token: `${header}.${payload}`,
    });
    expect(r3.status).toBe(401);
  });

  it("refuses a token signed by another parley installation (different secret)", async () => {
    const id = hexId();
    const mine = apiClient(await startServer());
    const theirs = apiClient(await startServer());
    await createAccount(mine, "Same id here", id);
    const foreign = await createAccount(theirs, "Same id there", id);
    const res = await mine.get(`/v2/accounts/${id}/conferences`, { token: foreign.token });
    expect(res.status).toBe(401);
    expectErrorEnvelope(res.body, 401, "invalid_credentials");
    // and the foreign token does work where it was issued
    expect(
      (await theirs.get(`/v2/accounts/${id}/conferences`, { token: foreign.token })).status,
    ).toBe(200);
  });

  it('refuses an unsigned JWT with "alg":"none"', async () => {
    const { api } = await setup();
    const account = await createAccount(api);
    const [, payload] = account.token.split(".") as [string, string];
    const now = Math.floor(Date.now() / 1000);
    const noneHeader = b64url({ alg: "none", typ: "JWT" });
    const sameClaims = `${noneHeader}.${payload}.`;
    const freshClaims = `${noneHeader}.${b64url({ account_id: account.id, iat: now, exp: now + 3600, jti: hexId() })}.`;
    for (const token of [sameClaims, freshClaims, `${noneHeader}.${payload}`]) {
      const res = await api.get(`/v2/accounts/${account.id}/conferences`, { token });
      expect(res.status).toBe(401);
      expectErrorEnvelope(res.body, 401, "invalid_credentials");
    }
  });

  it("stores api keys hashed: no column of api_keys holds the plaintext key", async () => {
    const { api, server } = await setup();
    const account = await createAccount(api);
    const rows = server.store.sqlite.prepare("SELECT * FROM api_keys").all() as Record<
      string,
      unknown
    >[];
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      for (const value of Object.values(row)) {
        expect(String(value)).not.toContain(account.apiKey);
      }
    }
    // nowhere else in the database either
    const tables = server.store.sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all() as { name: string }[];
    for (const { name } of tables) {
      const all = server.store.sqlite.prepare(`SELECT * FROM "${name}"`).all();
      expect(JSON.stringify(all)).not.toContain(account.apiKey);
    }
  });
});
