import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createLogger } from "../server/logger";
import { apiClient, createAccount, createConference } from "./helpers/api";
import { fakeDns } from "./helpers/dns";
import { spawnParley } from "./helpers/process";
import { startReceiver } from "./helpers/receiver";
import { ADMIN_TOKEN, startServer } from "./helpers/server";
import { createWebhook, getDelivery, listDeliveries } from "./helpers/webhooks";
import { connectWs } from "./helpers/ws-client";

describe("webhook SSRF guard with DNS names", () => {
  it("refuses names that resolve to private or metadata addresses, and re-pointed names at connect time", async () => {
    const dns = fakeDns({
      "hooks.internal.test": ["10.0.0.5"],
      "metadata.test": ["169.254.169.254"],
      "v6.internal.test": ["fd00::1"],
      "public.test": ["93.184.216.34"],
    });
    const receiver = await startReceiver();
    const port = new URL(receiver.url).port;
    const server = await startServer(
      { WEBHOOK_RETRY_SCHEDULE: "0.05,0.05" },
      { resolveHost: dns.resolveHost },
    );
    const api = apiClient(server);
    const account = await createAccount(api);
    for (const host of ["hooks.internal.test", "metadata.test", "v6.internal.test", "localhost"]) {
      const res = await api.put(`/v2/accounts/${account.id}/webhooks`, {
        token: account.token,
        body: { data: { name: "x", url: `http://${host}:${port}/hook`, event_types: ["*"] } },
      });
      expect(res.status, host).toBe(400);
      expect(res.body.data.url.pattern.message).toMatch(/private|loopback|link-local/);
    }
    const hook = await createWebhook(api, account, {
      url: `http://public.test:${port}/hook`,
      event_types: ["conference.created"],
    });
    // The name now points at loopback, where a receiver listens: the guard must refuse to connect.
    dns.set("public.test", "127.0.0.1");
    await createConference(api, account);
    await expect
      .poll(async () => (await listDeliveries(api, account, hook.id))[0]?.status, {
        timeout: 10_000,
      })
      .toBe("dead");
    const [delivery] = await listDeliveries(api, account, hook.id);
    const detail = await getDelivery(api, account, hook.id, delivery.id);
    expect(detail.attempts[0].error).toMatch(/refusing to connect to a private address/);
    expect(receiver.requests).toHaveLength(0);
    console.info(
      `ssrf: 4 private, metadata, unique-local and loopback targets refused at save, 1 re-pointed name refused at connect (${detail.attempts.length} attempts, 0 requests reached loopback)`,
    );
  });
});

describe("limits", () => {
  it("refuses a WebSocket upgrade with 429 past the per-address connection limit", async () => {
    const server = await startServer({ WS_MAX_CONNECTIONS_PER_IP: "3" });
    const open = [await connectWs(server), await connectWs(server), await connectWs(server)];
    await expect(connectWs(server)).rejects.toThrow(/429/);
    open[0]?.socket.close();
    await expect.poll(() => server.gateway.connections).toBe(2);
    const again = await connectWs(server);
    expect(again.socket.readyState).toBe(WebSocket.OPEN);
  });

  it("refuses more than 1,000 bindings on one socket", async () => {
    const server = await startServer();
    const api = apiClient(server);
    const account = await createAccount(api);
    const ws = await connectWs(server, `?token=${account.token}`);
    const bindings = Array.from({ length: 1001 }, (_, i) => `conference.event.c${i}.*`);
    const reply = await ws.request({
      action: "subscribe",
      data: { account_id: account.id, bindings },
    });
    expect(reply.status).toBe("error");
    expect(reply.data.errors).toContain("too many bindings on this socket (limit 1000)");
  });

  it("reads at most 64 KiB of a webhook answer and keeps its first KiB in the log", async () => {
    const receiver = await startReceiver();
    receiver.setDefault({ status: 200, body: "x".repeat(1024 * 1024) });
    const server = await startServer({ WEBHOOK_ALLOW_PRIVATE_TARGETS: "true" });
    const api = apiClient(server);
    const account = await createAccount(api);
    const hook = await createWebhook(api, account, {
      url: `${receiver.url}/big`,
      event_types: ["conference.created"],
    });
    await createConference(api, account);
    await expect
      .poll(async () => (await listDeliveries(api, account, hook.id))[0]?.status, {
        timeout: 10_000,
      })
      .toBe("succeeded");
    const [delivery] = await listDeliveries(api, account, hook.id);
    const detail = await getDelivery(api, account, hook.id, delivery.id);
    expect(detail.attempts[0].response).toHaveLength(1024);
  });
});

describe("secrets in logs", () => {
  it("redacts tokens, API keys and secrets wherever they appear in a log line", () => {
    let written = "";
    const logger = createLogger(
      "info",
      new Writable({
        write(chunk, _encoding, done) {
          written += chunk;
          done();
        },
      }),
    );
    logger.info(
      {
        token: "tok-1",
        api_key: "key-1",
        secret: "whsec_1",
        auth_token: "tok-2",
        nested: { token: "tok-3", api_key: "key-2", secret: "whsec_2" },
        headers: { "x-auth-token": "tok-4", authorization: "Bearer tok-5", "cb-token": "tok-6" },
      },
      "something happened",
    );
    expect(written).toContain("something happened");
    for (const secret of [
      "tok-1",
      "key-1",
      "whsec_1",
      "tok-2",
      "tok-3",
      "key-2",
      "whsec_2",
      "tok-4",
      "tok-5",
      "tok-6",
    ]) {
      expect(written).not.toContain(secret);
    }
    expect(written).toContain("[redacted]");
  });

  it("writes no token, API key or webhook secret to its output while serving them", async () => {
    const parley = spawnParley({
      PARLEY_DB: ":memory:",
      PARLEY_ADMIN_TOKEN: ADMIN_TOKEN,
      LOG_LEVEL: "trace",
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    });
    const url = await parley.ready();
    const created = await fetch(`${url}/v2/accounts`, {
      method: "PUT",
      headers: { "X-Auth-Token": ADMIN_TOKEN },
      body: JSON.stringify({ data: { name: "Acme" } }),
    }).then((r) => r.json() as Promise<{ data: { id: string; api_key: string } }>);
    const auth = await fetch(`${url}/v2/api_auth`, {
      method: "PUT",
      body: JSON.stringify({ data: { api_key: created.data.api_key } }),
    }).then((r) => r.json() as Promise<{ auth_token: string }>);
    const hook = await fetch(`${url}/v2/accounts/${created.data.id}/webhooks`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${auth.auth_token}` },
      body: JSON.stringify({
        data: { name: "h", url: "http://127.0.0.1:9/x", event_types: ["*"] },
      }),
    }).then((r) => r.json() as Promise<{ data: { secret: string } }>);
    await fetch(`${url}/v2/accounts/${created.data.id}/conferences`, {
      headers: { "X-Auth-Token": "forged.token.value" },
    });
    const ws = new WebSocket(`${url.replace("http", "ws")}/ws?token=${auth.auth_token}`);
    await new Promise((done) => ws.once("open", done));
    ws.send(JSON.stringify({ action: "subscribe", auth_token: auth.auth_token, data: {} }));
    ws.close();
    await expect.poll(() => parley.stdout()).toMatch(/"request"/);
    const output = parley.stdout() + parley.stderr();
    for (const secret of [ADMIN_TOKEN, created.data.api_key, auth.auth_token, hook.data.secret]) {
      expect(output).not.toContain(secret);
    }
  });
});
