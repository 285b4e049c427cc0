/**
 * The webhooks "app portal" API: the event catalogue (`GET /v2/webhooks`) and formats, revealing
 * a subscription's secret, each endpoint's state under `_read_only`, and the searchable, paged
 * delivery log. Driven through a real server and a real HTTP receiver.
 */
import { describe, expect, it } from "vitest";
import { optInOnlyTypes, webhookEventTypes, webhookFormats } from "../protocol/webhooks";
import { apiClient, createAccount, createConference, type Json } from "./helpers/api";
import { expectErrorEnvelope } from "./helpers/live";
import { type ReceivedRequest, startReceiver } from "./helpers/receiver";
import { ADMIN_TOKEN, startServer } from "./helpers/server";
import { createWebhook, verifyRequest, webhookPath } from "./helpers/webhooks";

/** A server whose webhooks may target loopback, retrying after `schedule` (seconds). */
async function setup(schedule = "0.05,0.05") {
  const server = await startServer({
    WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    WEBHOOK_RETRY_SCHEDULE: schedule,
  });
  const api = apiClient(server);
  const account = await createAccount(api);
  const receiver = await startReceiver();
  const subscribe = (data: Record<string, unknown> = {}) =>
    createWebhook(api, account, { url: `${receiver.url}/hook`, event_types: ["*"], ...data });
  const read = async (webhookId: string) =>
    (await api.get(webhookPath(account, webhookId), { token: account.token })).body.data;
  const ping = async (webhookId: string): Promise<string> => {
    const res = await api.put(webhookPath(account, webhookId), {
      token: account.token,
      body: { data: { action: "ping" } },
    });
    expect(res.status).toBe(201);
    return res.body.data.delivery_id;
  };
  /** One page of the delivery log: the whole answer. */
  const page = (webhookId: string, query: string) =>
    api.get(`${webhookPath(account, webhookId)}/deliveries${query}`, { token: account.token });
  /** The ids the log lists for `query`, newest first. */
  const idsOf = async (webhookId: string, query: string): Promise<string[]> => {
    const res = await page(webhookId, query);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data.map((d: Json) => d.id);
  };
  return { server, api, account, receiver, subscribe, read, ping, page, idsOf };
}

describe("webhook catalogue", () => {
  it("lists every event type with a name, a description, its group and whether it is opt-in", async () => {
    const { api, account } = await setup();
    const res = await api.get("/v2/webhooks", { token: account.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "success", page_size: webhookEventTypes.length });
    const entries = res.body.data as Json[];
    expect(entries.map((e) => e.id)).toEqual([...webhookEventTypes]);
    for (const entry of entries) {
      expect(entry.name, entry.id).toMatch(/\S/);
      expect(entry.description.length, entry.id).toBeGreaterThan(10);
      expect(entry.group, entry.id).toMatch(/^[a-z]+$/);
      expect(entry.opt_in, entry.id).toBe(optInOnlyTypes.has(entry.id));
    }
    expect(entries.filter((e) => e.opt_in).map((e) => e.id)).toEqual([
      "meeting.participantTalkingStarted",
      "meeting.participantTalkingStopped",
    ]);
    expect(entries.map((e) => e.id)).not.toContain("webhook.ping");
  });

  it("answers the catalogue and the formats to the admin token, and 401 without a token", async () => {
    const { api } = await setup();
    const admin = await api.get("/v2/webhooks", { token: ADMIN_TOKEN });
    expect(admin.status).toBe(200);
    const formats = await api.get("/v2/webhooks/formats", { token: ADMIN_TOKEN });
    expect(formats.status).toBe(200);
    expect(formats.body.data.map((f: Json) => f.id)).toEqual([...webhookFormats]);
    for (const format of formats.body.data) {
      expect(format.description.length, format.id).toBeGreaterThan(10);
    }
    for (const path of ["/v2/webhooks", "/v2/webhooks/formats"]) {
      const anonymous = await api.get(path);
      expect(anonymous.status, path).toBe(401);
      expectErrorEnvelope(anonymous.body, 401, "invalid_credentials");
      expect((await api.put(path, { token: ADMIN_TOKEN, body: { data: {} } })).status).toBe(405);
    }
  });
});

describe("revealing a subscription's secret", () => {
  it("reveals the secret that verifies a received delivery's signature", async () => {
    const { api, account, receiver, subscribe, ping } = await setup();
    const hook = await subscribe();
    await ping(hook.id);
    const [request] = (await receiver.waitFor(1)) as [ReceivedRequest];
    const res = await api.get(`${webhookPath(account, hook.id)}/secret`, { token: account.token });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.data)).toEqual(["secret"]);
    expect(verifyRequest(request, res.body.data.secret)).toMatchObject({ type: "webhook.ping" });
  });

  it("reveals the bbb_secret beside it, and the new secret after a rotation", async () => {
    const { api, account, subscribe } = await setup();
    const hook = await subscribe({ format: "bbb", bbb_secret: "bbb-shared-secret" });
    const path = `${webhookPath(account, hook.id)}/secret`;
    const before = await api.get(path, { token: account.token });
    expect(before.body.data).toEqual({ secret: hook.secret, bbb_secret: "bbb-shared-secret" });
    const rotated = await api.put(webhookPath(account, hook.id), {
      token: account.token,
      body: { data: { action: "rotate_secret" } },
    });
    const after = await api.get(path, { token: account.token });
    expect(after.body.data.secret).toBe(rotated.body.data.secret);
    expect(after.body.data.secret).not.toBe(hook.secret);
  });
});

describe("endpoint state", () => {
  it("shows a new endpoint enabled, with no attempt and nothing waiting", async () => {
    const { subscribe, read } = await setup();
    const hook = await subscribe();
    expect((await read(hook.id))._read_only).toEqual({
      state: "enabled",
      failing_since: null,
      last_attempt_at: null,
      last_status_code: null,
      last_error: null,
      pending: 0,
      retrying: 0,
    });
  });

  it("goes from enabled to failing while the receiver answers 500, and back to enabled after a success", async () => {
    const { api, account, receiver, subscribe, read, ping } = await setup();
    const hook = await subscribe();
    await ping(hook.id);
    await expect.poll(async () => (await read(hook.id))._read_only.last_status_code).toBe(200);
    expect((await read(hook.id))._read_only.state).toBe("enabled");

    receiver.setDefault({ status: 500 });
    await ping(hook.id);
    await expect.poll(async () => (await read(hook.id))._read_only.state).toBe("failing");
    const failing = (await read(hook.id))._read_only;
    expect(failing.last_status_code).toBe(500);
    expect(Date.parse(failing.failing_since)).toBeLessThanOrEqual(
      Date.parse(failing.last_attempt_at),
    );
    const listed = await api.get(`/v2/accounts/${account.id}/webhooks`, { token: account.token });
    expect(listed.body.data[0]._read_only.state).toBe("failing");

    receiver.setDefault({ status: 200 });
    await ping(hook.id);
    await expect.poll(async () => (await read(hook.id))._read_only.state).toBe("enabled");
    expect((await read(hook.id))._read_only).toMatchObject({
      failing_since: null,
      last_status_code: 200,
      retrying: 0,
    });
  });

  it("shows a switched-off endpoint as disabled in the answer to the change", async () => {
    const { api, account, subscribe } = await setup();
    const hook = await subscribe();
    const res = await api.patch(webhookPath(account, hook.id), {
      token: account.token,
      body: { data: { enabled: false } },
    });
    expect(res.body.data._read_only.state).toBe("disabled");
  });

  it("counts a delivery held back behind a failing one as pending, the failed one as retrying", async () => {
    // A long retry: the failed ping waits, and the ordered queue holds the next one back.
    const { receiver, subscribe, read, ping } = await setup("60");
    const hook = await subscribe();
    receiver.setDefault({ status: 503 });
    await ping(hook.id);
    await expect.poll(async () => (await read(hook.id))._read_only.retrying).toBe(1);
    await ping(hook.id);
    expect((await read(hook.id))._read_only).toMatchObject({
      state: "failing",
      pending: 1,
      retrying: 1,
      last_status_code: 503,
    });
  });
});

describe("searching the delivery log", () => {
  it("filters by event type and by conference", async () => {
    const { api, account, subscribe, ping, idsOf, page } = await setup();
    const hook = await subscribe();
    const first = await createConference(api, account, { name: "First" });
    const second = await createConference(api, account, { name: "Second" });
    const pinged = await ping(hook.id);
    await expect.poll(async () => (await idsOf(hook.id, "")).length).toBe(3);

    expect(await idsOf(hook.id, "?event_type=webhook.ping")).toEqual([pinged]);
    const created = (await page(hook.id, "?event_type=conference.created")).body.data as Json[];
    expect(created.map((d) => d.conference_id)).toEqual([second, first]);
    const ofFirst = (await page(hook.id, `?conference_id=${first}`)).body.data as Json[];
    expect(ofFirst.map((d) => d.event_type)).toEqual(["conference.created"]);
    expect(ofFirst[0].conference_id).toBe(first);
    expect(await idsOf(hook.id, "?event_type=meeting.started")).toEqual([]);
    expect(await idsOf(hook.id, "?event_type=conference.created&status=dead")).toEqual([]);
  });

  it("finds a delivery by its id or its event id, whole or by their beginning", async () => {
    const { subscribe, ping, idsOf, page } = await setup();
    const hook = await subscribe();
    const one = await ping(hook.id);
    const two = await ping(hook.id);
    const delivery = (await page(hook.id, `?q=${two}`)).body.data as Json[];
    expect(delivery.map((d) => d.id)).toEqual([two]);
    expect(await idsOf(hook.id, `?q=${one.slice(0, 12)}`)).toEqual([one]);
    const eventId = delivery[0].event_id as string;
    expect(eventId).toMatch(/^evt_/);
    expect(await idsOf(hook.id, `?q=${eventId}`)).toEqual([two]);
    expect(await idsOf(hook.id, `?q=${eventId.slice(0, 10)}`)).toEqual([two]);
    expect((await idsOf(hook.id, "?q=msg_")).sort()).toEqual([one, two].sort());
    expect(await idsOf(hook.id, "?q=msg_nothing-like-this")).toEqual([]);
  });

  it("filters by creation time with since (inclusive) and until (exclusive), ISO 8601 or Unix seconds", async () => {
    const { subscribe, ping, page, idsOf } = await setup();
    const hook = await subscribe();
    const early = [await ping(hook.id), await ping(hook.id)];
    const earlyCreated = ((await page(hook.id, "")).body.data as Json[]).map((d) =>
      Date.parse(d.created),
    );
    // The server runs in this process: its clock is this one. Wait for it to move on.
    await expect.poll(() => Date.now()).toBeGreaterThan(Math.max(...earlyCreated));
    const late = [await ping(hook.id), await ping(hook.id)];
    const log = (await page(hook.id, "")).body.data as Json[];
    const boundary = log.find((d) => d.id === late[0])?.created as string;

    expect(await idsOf(hook.id, `?since=${boundary}`)).toEqual([...late].reverse());
    expect(await idsOf(hook.id, `?until=${boundary}`)).toEqual([...early].reverse());
    expect(await idsOf(hook.id, `?since=${boundary}&until=${boundary}`)).toEqual([]);
    const seconds = Math.floor(Date.parse(boundary) / 1000);
    expect(await idsOf(hook.id, `?since=${seconds + 1}`)).toEqual([]);
    expect((await idsOf(hook.id, `?until=${seconds + 1}`)).length).toBe(4);
    expect((await idsOf(hook.id, "?since=0")).length).toBe(4);
  });

  it("pages newest first with start_key, listing every delivery exactly once while new ones arrive", async () => {
    const { subscribe, ping, page, idsOf } = await setup();
    const hook = await subscribe();
    const sent: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      sent.push(await ping(hook.id));
    }
    const seen: string[] = [];
    let query = "?limit=3";
    let pages = 0;
    for (;;) {
      const res = await page(hook.id, query);
      expect(res.status).toBe(200);
      expect(res.body.page_size).toBe(res.body.data.length);
      seen.push(...res.body.data.map((d: Json) => d.id));
      pages += 1;
      if (pages === 1) {
        // Written after the first page: newer than every page to come, so never on one.
        await ping(hook.id);
      }
      if (res.body.next_start_key === undefined) {
        break;
      }
      expect(res.body.next_start_key).toMatch(/^\d+$/);
      query = `?limit=3&start_key=${res.body.next_start_key}`;
      expect(pages).toBeLessThan(5);
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([...sent].reverse());
    expect(await idsOf(hook.id, "?limit=1000")).toHaveLength(8);
    const last = await page(hook.id, "?limit=8");
    expect(last.body).not.toHaveProperty("next_start_key");
  });

  it("refuses a bad since, until, start_key, event_type or q with 400 keyed by the field", async () => {
    const { api, account, subscribe, page } = await setup();
    const hook = await subscribe();
    for (const [query, field] of [
      ["?since=yesterday", "since"],
      ["?until=2026-13-45T99:00:00Z", "until"],
      ["?start_key=abc", "start_key"],
      ["?event_type=meeting.exploded", "event_type"],
      [`?q=${"x".repeat(200)}`, "q"],
      ["?limit=0", "limit"],
    ] as const) {
      const res = await page(hook.id, query);
      expect(res.status, query).toBe(400);
      expectErrorEnvelope(res.body, 400, "validation error");
      expect(Object.keys(res.body.data), query).toEqual([field]);
    }
    const since = await page(hook.id, "?since=yesterday");
    expect(since.body.data.since.type).toMatchObject({
      message: "Value did not match type(s): ISO 8601 date or Unix seconds",
      value: "yesterday",
    });
    const recover = await api.put(webhookPath(account, hook.id), {
      token: account.token,
      body: { data: { action: "recover", since: "yesterday" } },
    });
    expect(recover.status).toBe(400);
    expect(recover.body.data.since.type.value).toBe("yesterday");
    const missing = await api.put(webhookPath(account, hook.id), {
      token: account.token,
      body: { data: { action: "recover" } },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.data.since).toHaveProperty("required");
  });
});

describe("tenant isolation of the portal routes", () => {
  it("refuses another account's token on the secret and the searched log with 403 and no data", async () => {
    const { api, account, subscribe, ping } = await setup();
    const other = await createAccount(api, "Other Tenant");
    const hook = await subscribe();
    await ping(hook.id);
    const path = webhookPath(account, hook.id);
    for (const route of [
      `${path}/secret`,
      `${path}/deliveries?event_type=webhook.ping`,
      `${path}/deliveries?q=msg_&since=0&limit=1`,
    ]) {
      const res = await api.get(route, { token: other.token });
      expect(res.status, route).toBe(403);
      expectErrorEnvelope(res.body, 403, "forbidden");
      expect(JSON.stringify(res.body)).not.toContain(hook.secret);
      expect(JSON.stringify(res.body)).not.toContain("msg_");
    }
    const foreign = await api.get(`${webhookPath(other, hook.id)}/secret`, {
      token: other.token,
    });
    expect(foreign.status).toBe(404);
    expect(JSON.stringify(foreign.body)).not.toContain(hook.secret);
  });
});
