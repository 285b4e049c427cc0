import { describe, expect, it } from "vitest";
import { apiClient, createAccount, createConference } from "./helpers/api";
import { hexId, legacyRoutingKey, seedExampleEvent } from "./helpers/events";
import { startReceiver } from "./helpers/receiver";
import { startServer } from "./helpers/server";
import { createWebhook } from "./helpers/webhooks";
import { connectWs } from "./helpers/ws-client";

/** The value of one series in Prometheus text, or undefined. */
function seriesValue(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("GET /metrics", () => {
  it("exposes ingest, dead letters, WebSocket, webhook, HTTP, bus and process series in Prometheus text", async () => {
    const receiver = await startReceiver();
    const server = await startServer({ WEBHOOK_ALLOW_PRIVATE_TARGETS: "true" });
    const api = apiClient(server);
    const account = await createAccount(api);
    await createWebhook(api, account, {
      url: `${receiver.url}/hook`,
      event_types: ["conference.created"],
    });
    await createConference(api, account);
    const conferenceId = hexId();
    const ws = await connectWs(server, `?token=${account.token}`);
    await ws.request({
      action: "subscribe",
      data: { account_id: account.id, binding: `conference.event.${conferenceId}.*` },
    });
    server.memoryBus?.publishEvent(
      legacyRoutingKey(conferenceId, "934800819"),
      seedExampleEvent({ accountId: account.id, conferenceId }),
    );
    server.memoryBus?.publishEvent(legacyRoutingKey(conferenceId, "x"), "not json");
    server.memoryBus?.publishEvent(
      legacyRoutingKey(conferenceId, "934800819"),
      seedExampleEvent({ accountId: hexId(), conferenceId: hexId() }),
    );
    await ws.events(1);
    await receiver.waitFor(1);

    const metrics = async () => {
      const res = await fetch(`${server.url}/metrics`);
      expect(res.headers.get("content-type")).toMatch(/text\/plain/);
      return res.text();
    };
    await expect
      .poll(async () =>
        seriesValue(await metrics(), 'parley_webhook_deliveries_total{outcome="succeeded"}'),
      )
      .toBe(1);
    const text = await metrics();
    expect(seriesValue(text, 'parley_events_ingested_total{event="add-member"}')).toBe(1);
    expect(seriesValue(text, 'parley_events_dead_lettered_total{reason="invalid_json"}')).toBe(1);
    expect(seriesValue(text, 'parley_events_dead_lettered_total{reason="unknown_account"}')).toBe(
      1,
    );
    expect(seriesValue(text, "parley_ws_connections")).toBe(1);
    expect(seriesValue(text, "parley_ws_subscriptions")).toBe(1);
    expect(seriesValue(text, "parley_ws_frames_sent_total")).toBe(1);
    // The embedded bus has no broker connection to report.
    expect(text).not.toMatch(/^parley_amqp_connected/m);
    expect(seriesValue(text, 'parley_webhook_deliveries_pending{state="pending"}')).toBe(0);
    expect(seriesValue(text, 'parley_webhook_deliveries_pending{state="retrying"}')).toBe(0);
    expect(seriesValue(text, "parley_ingest_batch_size_count")).toBeGreaterThanOrEqual(1);
    expect(seriesValue(text, "parley_ingest_commit_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(seriesValue(text, "parley_ingest_lag_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(seriesValue(text, "parley_webhook_delivery_seconds_count")).toBe(1);
    expect(
      seriesValue(
        text,
        'parley_http_requests_total{method="PUT",route="/v2/accounts/:accountId/conferences",status="201"}',
      ),
    ).toBe(1);
    expect(text).toMatch(/^parley_process_resident_memory_bytes \d+/m);
    // The log this node applied: its position, and how long entries took to be applied.
    expect(seriesValue(text, "parley_log_position")).toBeGreaterThanOrEqual(1);
    expect(seriesValue(text, "parley_log_apply_lag_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^parley_node_info\{node="[^"]+"\} 1$/m);
    // Labels carry no tenant data: no account or conference id anywhere.
    expect(text).not.toContain(account.id);
    expect(text).not.toContain(conferenceId);
  });

  it("counts the webhook backlog by state: failed deliveries retrying, later ones of their conference pending", async () => {
    const receiver = await startReceiver();
    receiver.setDefault({ status: 500 });
    const server = await startServer({ WEBHOOK_ALLOW_PRIVATE_TARGETS: "true" });
    const api = apiClient(server);
    const account = await createAccount(api);
    await createWebhook(api, account, {
      url: `${receiver.url}/failing`,
      event_types: ["conference.created", "conference.updated"],
    });
    const conferenceId = await createConference(api, account);
    // Two more events of the same conference wait behind the failed first one (ordered delivery).
    for (const name of ["renamed once", "renamed twice"]) {
      const patched = await api.patch(`/v2/accounts/${account.id}/conferences/${conferenceId}`, {
        token: account.token,
        body: { data: { name } },
      });
      expect(patched.status).toBe(200);
    }
    await receiver.waitFor(1);
    const backlog = async (state: string) =>
      seriesValue(
        await (await fetch(`${server.url}/metrics`)).text(),
        `parley_webhook_deliveries_pending{state="${state}"}`,
      );
    await expect.poll(() => backlog("retrying")).toBe(1);
    expect(await backlog("pending")).toBe(2);
    expect(receiver.requests).toHaveLength(1);
  });
});
