import { describe, expect, it } from "vitest";
import { createSender } from "../server/webhooks/sender";
import { addressProblem } from "../server/webhooks/ssrf";
import { apiClient, createAccount, createConference, type TestAccount } from "./helpers/api";
import { fakeDns } from "./helpers/dns";
import { startReceiver } from "./helpers/receiver";
import { startServer } from "./helpers/server";
import { ALLOWED_ADDRESSES, ALLOWED_HOSTS, FORBIDDEN, HINT } from "./helpers/ssrf-forms";
import { createWebhook, getDelivery, listDeliveries } from "./helpers/webhooks";

async function setup(env: Record<string, string> = {}) {
  const dns = fakeDns();
  const receiver = await startReceiver();
  const port = new URL(receiver.url).port;
  const server = await startServer(env, { resolveHost: dns.resolveHost });
  const api = apiClient(server);
  const account = await createAccount(api);
  const put = (url: string, a: TestAccount = account) =>
    api.put(`/v2/accounts/${a.id}/webhooks`, {
      token: a.token,
      body: { data: { name: "hook", url, event_types: ["conference.created"] } },
    });
  return { dns, receiver, port, api, account, put };
}

describe("the SSRF classifier", () => {
  it.each(FORBIDDEN.filter((f) => f.address))("refuses $address", ({ address, reason }) => {
    expect(addressProblem(address ?? "")).toMatch(reason);
  });

  it.each(ALLOWED_ADDRESSES)("allows public %s", (address) => {
    expect(addressProblem(address)).toBeUndefined();
  });

  it("reads ::a.b.c.d as IPv4-compatible (as Node connects to it), refused even around a public IPv4", () => {
    expect(addressProblem("::8.8.8.8")).toMatch(/an IPv4-compatible address \(::808:808/);
    expect(addressProblem("::ffff:8.8.8.8")).toBeUndefined();
  });

  it("refuses anything Node would not connect to as an IP literal", () => {
    expect(addressProblem("127.1")).toMatch(/not an IP address/);
    expect(addressProblem("")).toMatch(/not an IP address/);
  });
});

describe("PUT /v2/accounts/{A}/webhooks and the SSRF guard", () => {
  it(`answers 400 naming the reason for each of ${FORBIDDEN.length} spellings of a forbidden target`, async () => {
    const { put, port } = await setup();
    for (const { host, reason } of FORBIDDEN) {
      const url = `http://${host}:${port}/hook`;
      const res = await put(url);
      expect.soft(res.status, url).toBe(400);
      expect.soft(res.body.message, url).toBe("validation error");
      const message: string = res.body.data?.url?.pattern?.message ?? "";
      expect.soft(message, url).toMatch(reason);
      expect.soft(message, url).toMatch(HINT);
    }
  });

  it("answers 400 for a DNS name resolving to any forbidden address, even beside a public one", async () => {
    const { put, dns } = await setup();
    const named = FORBIDDEN.filter((f) => f.address);
    for (const [i, { address, reason }] of named.entries()) {
      dns.set(`target-${i}.test`, address ?? "");
      dns.set(`mixed-${i}.test`, "93.184.215.14", address ?? "");
      for (const name of [`target-${i}.test`, `mixed-${i}.test`]) {
        const res = await put(`https://${name}/hook`);
        expect.soft(res.status, `${name} → ${address}`).toBe(400);
        const message: string = res.body.data?.url?.pattern?.message ?? "";
        expect.soft(message, name).toMatch(/^url resolves to an? /);
        expect.soft(message, name).toMatch(reason);
        expect.soft(message, name).toMatch(HINT);
      }
    }
  });

  it("accepts public addresses in any spelling and names resolving to them (201)", async () => {
    const { put, dns } = await setup();
    for (const host of ALLOWED_HOSTS) {
      const res = await put(`https://${host}/hook`);
      expect.soft(res.status, host).toBe(201);
    }
    for (const [i, address] of ALLOWED_ADDRESSES.entries()) {
      dns.set(`public-${i}.test`, address);
      const res = await put(`https://public-${i}.test/hook`);
      expect.soft(res.status, address).toBe(201);
    }
  });
});

describe("the webhook sender and the SSRF guard", () => {
  it("refuses at connect time a name re-pointed to each forbidden address, and the loopback receiver is never reached", async () => {
    const { api, account, put, dns, receiver, port } = await setup({
      WEBHOOK_RETRY_SCHEDULE: "0.05",
    });
    const named = FORBIDDEN.filter((f) => f.address);
    const hooks: Array<{ id: string; name: string; reason: RegExp }> = [];
    for (const [i, { reason }] of named.entries()) {
      const name = `repointed-${i}.test`;
      dns.set(name, "93.184.215.14");
      const res = await put(`http://${name}:${port}/hook`);
      expect(res.status, name).toBe(201);
      hooks.push({ id: res.body.data.id, name, reason });
    }
    for (const [i, { address }] of named.entries()) {
      dns.set(`repointed-${i}.test`, address ?? "");
    }
    await createConference(api, account);
    for (const hook of hooks) {
      await expect
        .poll(async () => (await listDeliveries(api, account, hook.id))[0]?.status, {
          timeout: 10_000,
        })
        .toBe("dead");
      const [delivery] = await listDeliveries(api, account, hook.id);
      const detail = await getDelivery(api, account, hook.id, delivery.id);
      expect(detail.attempts.length, hook.name).toBe(2);
      for (const attempt of detail.attempts) {
        expect(attempt.status_code, hook.name).toBeNull();
        expect(attempt.error, hook.name).toMatch(
          new RegExp(`^refusing to connect to a private address for ${hook.name}: an? `),
        );
        expect(attempt.error, hook.name).toMatch(hook.reason);
      }
    }
    expect(receiver.requests).toHaveLength(0);
  });

  it("delivers to a re-pointed loopback name only when WEBHOOK_ALLOW_PRIVATE_TARGETS=true", async () => {
    const { account, put, dns, receiver, port, api } = await setup({
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    });
    dns.set("repointed.test", "93.184.215.14");
    expect((await put(`http://repointed.test:${port}/hook`)).status).toBe(201);
    dns.set("repointed.test", "::ffff:7f00:1");
    await createConference(api, account);
    await receiver.waitFor(1);
    expect(receiver.requests[0]?.url).toBe("/hook");
  });

  it("refuses every IP-literal and loopback-name spelling before connecting, though the same spellings reach loopback with the guard off", async () => {
    const receiver = await startReceiver();
    const port = new URL(receiver.url).port;
    const toLoopback = async () => ["127.0.0.1"];
    const guarded = createSender({ allowPrivate: false, userAgent: "t", resolveHost: toLoopback });
    const open = createSender({ allowPrivate: true, userAgent: "t", resolveHost: toLoopback });
    try {
      for (const { host, reason } of FORBIDDEN) {
        const url = `http://${host}:${port}/hook`;
        const result = await guarded.send({ url, headers: {}, body: "{}" });
        expect.soft(result.status, url).toBeUndefined();
        expect.soft(result.error, url).toMatch(/^refusing to connect to a private address for /);
        if (!/loopback name/.test(reason.source)) {
          expect.soft(result.error, url).toMatch(reason);
        }
      }
      expect(receiver.requests).toHaveLength(0);
      const reachable = FORBIDDEN.filter((f) => f.reachesLoopback);
      for (const { host } of reachable) {
        const url = `http://${host}:${port}/hook`;
        expect.soft((await open.send({ url, headers: {}, body: "{}" })).status, url).toBe(200);
      }
      expect(receiver.requests).toHaveLength(reachable.length);
    } finally {
      guarded.close();
      open.close();
    }
  });

  it("refuses a loopback name resolved by the system resolver", async () => {
    const receiver = await startReceiver();
    const sender = createSender({ allowPrivate: false, userAgent: "t" });
    try {
      const url = `http://localhost:${new URL(receiver.url).port}/hook`;
      const result = await sender.send({ url, headers: {}, body: "{}" });
      expect(result.error).toMatch(/^refusing to connect to a private address for localhost: a/);
      expect(receiver.requests).toHaveLength(0);
    } finally {
      sender.close();
    }
  });

  it("records an error for a name that resolves to no address instead of connecting", async () => {
    const receiver = await startReceiver();
    const sender = createSender({
      allowPrivate: false,
      userAgent: "t",
      resolveHost: async () => [],
    });
    try {
      const url = `http://empty.test:${new URL(receiver.url).port}/hook`;
      const result = await sender.send({ url, headers: {}, body: "{}" });
      expect(result.error).toBe("no address found for empty.test");
      expect(receiver.requests).toHaveLength(0);
    } finally {
      sender.close();
    }
  });

  it("records a 3xx answer as the attempt's outcome and never follows the redirect", async () => {
    const { api, account, receiver, port } = await setup({
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
      WEBHOOK_RETRY_SCHEDULE: "0.05",
    });
    const elsewhere = await startReceiver();
    receiver.setDefault({ status: 302, headers: { location: `${elsewhere.url}/stolen` } });
    const hook = await createWebhook(api, account, {
      url: `http://127.0.0.1:${port}/hook`,
      event_types: ["conference.created"],
    });
    await createConference(api, account);
    await expect
      .poll(async () => (await listDeliveries(api, account, hook.id))[0]?.status, {
        timeout: 10_000,
      })
      .toBe("dead");
    const [delivery] = await listDeliveries(api, account, hook.id);
    const detail = await getDelivery(api, account, hook.id, delivery.id);
    expect(detail.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([302, 302]);
    expect(receiver.on("/hook")).toHaveLength(2);
    expect(elsewhere.requests).toHaveLength(0);
  });
});
