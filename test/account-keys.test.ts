/**
 * API keys are recoverable and refusals explain themselves: `PUT /v2/accounts/{A}/api_key`
 * answers a new key once and retires the old one, and every 401 says why (`reason`) and what to
 * send instead (`hint`), over real HTTP against a real server.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { apiClient, createAccount } from "./helpers/api";
import { ADMIN_TOKEN, startServer } from "./helpers/server";
import { connectWs } from "./helpers/ws-client";

const exchange = (api: ReturnType<typeof apiClient>, apiKey: string) =>
  api.put("/v2/api_auth", { body: { data: { api_key: apiKey } } });

describe("API key rotation", () => {
  it("answers a new key once; the old key and its tokens stop working, and the new one signs in", async () => {
    const server = await startServer();
    const api = apiClient(server);
    const account = await createAccount(api, "Acme");

    const rotated = await api.put(`/v2/accounts/${account.id}/api_key`, { token: account.token });
    expect(rotated.status).toBe(201);
    expect(rotated.body.data).toEqual({ account_id: account.id, api_key: expect.any(String) });
    const newKey: string = rotated.body.data.api_key;
    expect(newKey).not.toBe(account.apiKey);

    const old = await exchange(api, account.apiKey);
    expect(old.status).toBe(401);
    expect(old.body.message).toBe("invalid_credentials");
    expect(old.body.reason).toBe("unknown_api_key");
    const fresh = await exchange(api, newKey);
    expect(fresh.status).toBe(201);
    expect(fresh.body.data.account_id).toBe(account.id);

    // The token exchanged for the old key is retired with it, and says why; the new key's token
    // works, and the key is never shown again.
    const stale = await api.get(`/v2/accounts/${account.id}`, { token: account.token });
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({
      reason: "key_rotated",
      data: { message: "invalid credentials" },
    });
    expect(stale.body.hint).toMatch(/new API key.*PUT \/v2\/api_auth/);
    const token: string = fresh.body.auth_token;
    const read = await api.get(`/v2/accounts/${account.id}`, { token });
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain(newKey);
    const again = await api.get(`/v2/accounts/${account.id}/api_key`, { token });
    expect(again.status).toBe(405);
  });

  it("retires the old key's tokens on the WebSocket too: a new subscription with one is refused", async () => {
    const server = await startServer();
    const api = apiClient(server);
    const account = await createAccount(api, "Acme");
    const socket = await connectWs(server);
    const subscribe = (token: string, requestId: string) =>
      socket.request({
        action: "subscribe",
        auth_token: token,
        request_id: requestId,
        data: { account_id: account.id, binding: "conference.event.*.*" },
      });
    expect((await subscribe(account.token, "before")).status).toBe("success");
    await api.put(`/v2/accounts/${account.id}/api_key`, { token: ADMIN_TOKEN });
    const after = await subscribe(account.token, "after");
    expect(after.status).toBe("error");
    expect(after.data.errors[0]).toMatch(/^failed to authenticate token/);
  });

  it("lets the admin rotate any account's key and refuses other accounts' tokens", async () => {
    const server = await startServer();
    const api = apiClient(server);
    const acme = await createAccount(api, "Acme");
    const globex = await createAccount(api, "Globex");

    const foreign = await api.put(`/v2/accounts/${acme.id}/api_key`, { token: globex.token });
    expect(foreign.status).toBe(403);
    expect((await exchange(api, acme.apiKey)).status).toBe(201);

    const byAdmin = await api.put(`/v2/accounts/${acme.id}/api_key`, { token: ADMIN_TOKEN });
    expect(byAdmin.status).toBe(201);
    expect((await exchange(api, acme.apiKey)).status).toBe(401);
    expect((await exchange(api, byAdmin.body.data.api_key)).status).toBe(201);
    // Globex's key is untouched.
    expect((await exchange(api, globex.apiKey)).status).toBe(201);

    const unknown = await api.put("/v2/accounts/0123456789abcdef0123456789abcdef/api_key", {
      token: ADMIN_TOKEN,
    });
    expect(unknown.status).toBe(404);
    const anonymous = await api.put(`/v2/accounts/${acme.id}/api_key`);
    expect(anonymous.status).toBe(401);
  });

  it("keeps the new key across a restart", async () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), "parley-keys-")), "parley.db");
    const first = await startServer({ PARLEY_DB: dbPath });
    const api = apiClient(first);
    const account = await createAccount(api, "Acme");
    const rotated = await api.put(`/v2/accounts/${account.id}/api_key`, { token: account.token });
    await first.close();
    const second = await startServer({ PARLEY_DB: dbPath });
    const after = apiClient(second);
    expect((await exchange(after, rotated.body.data.api_key)).status).toBe(201);
    expect((await exchange(after, account.apiKey)).status).toBe(401);
  });
});

describe("401 answers", () => {
  it("say why a credential was refused and what to send instead", async () => {
    let clock = Date.now();
    const server = await startServer({}, { now: () => clock });
    const api = apiClient(server);
    const account = await createAccount(api, "Acme");
    const conferences = `/v2/accounts/${account.id}/conferences`;

    const cases = [
      { res: await api.get(conferences), reason: "no_token", hint: /PUT \/v2\/api_auth/ },
      {
        res: await api.get(conferences, { token: account.apiKey }),
        reason: "not_a_token",
        hint: /an API key is not a token.*PUT \/v2\/api_auth/,
      },
      {
        res: await exchange(api, ADMIN_TOKEN),
        reason: "admin_token",
        hint: /admin token.*X-Auth-Token/,
      },
      {
        res: await exchange(api, account.token),
        reason: "auth_token",
        hint: /auth token, not an API key/,
      },
      {
        res: await exchange(api, "no-such-key"),
        reason: "unknown_api_key",
        hint: /rotate-key/,
      },
    ];
    clock += 2 * 3600 * 1000;
    cases.push({
      res: await api.get(conferences, { token: account.token }),
      reason: "token_expired",
      hint: /expired at \d{4}-\d\d-\d\dT.*PUT \/v2\/api_auth/,
    });
    for (const { res, reason, hint } of cases) {
      expect(res.status).toBe(401);
      // Kazoo's clients keep matching on the code; people read the hint.
      expect(res.body).toMatchObject({ message: "invalid_credentials", status: "error", reason });
      // `data` stays exactly Kazoo's; the reason and hint sit beside it.
      expect(res.body.data).toEqual({ message: "invalid credentials" });
      expect(res.body.hint).toMatch(hint);
    }
  });
});
