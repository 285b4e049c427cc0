import { describe, expect, it } from "vitest";
import { apiClient, createAccount } from "./helpers/api";
import { currentFeedEvent, hexId } from "./helpers/events";
import { embeddedBus } from "./helpers/live";
import { type ReceivedRequest, startReceiver } from "./helpers/receiver";
import { startServer } from "./helpers/server";
import { createWebhook, jsonBody, listDeliveries, webhookPath } from "./helpers/webhooks";

/** Each answer waits this long, so requests sent side by side overlap at the receiver. */
const ANSWER_DELAY_MS = 25;
const BURST = 12;

async function setup() {
  const server = await startServer({ WEBHOOK_ALLOW_PRIVATE_TARGETS: "true" });
  const api = apiClient(server);
  const account = await createAccount(api);
  const receiver = await startReceiver();
  receiver.setDefault({ status: 200, delayMs: ANSWER_DELAY_MS });
  const bus = embeddedBus(server);
  /** One participant muted and unmuted `BURST / 2` times: a burst of `BURST` mute events. */
  const burst = (conferenceId: string) => {
    const publish = (event: string, speak?: boolean) => {
      const { routingKey, body } = currentFeedEvent(
        event,
        { accountId: account.id, conferenceId, callId: "caller-1" },
        { participantId: 1, ...(speak === undefined ? {} : { speak }) },
      );
      bus.publishEvent(routingKey, body);
    };
    publish("add-member");
    for (let i = 0; i < BURST / 2; i += 1) {
      publish("mute-member", false);
      publish("unmute-member", true);
    }
  };
  const subscribe = (path: string, data: Record<string, unknown> = {}) =>
    createWebhook(api, account, {
      url: `${receiver.url}${path}`,
      event_types: ["meeting.participantMuted", "meeting.participantUnmuted"],
      ...data,
    });
  return { api, account, receiver, burst, subscribe };
}

/** The most requests the receiver was answering at once (each answer took ANSWER_DELAY_MS). */
function overlapOf(requests: ReceivedRequest[]): number {
  const arrivals = requests.map((r) => r.at).sort((a, b) => a - b);
  let most = 0;
  for (const [i, at] of arrivals.entries()) {
    // Arrival times are whole milliseconds: a request arriving within the previous one's answer
    // delay, less a millisecond of rounding, overlapped it.
    const open = arrivals.slice(0, i + 1).filter((a) => a + ANSWER_DELAY_MS - 1 > at).length;
    most = Math.max(most, open);
  }
  return most;
}

const mutes = (requests: ReceivedRequest[]) =>
  requests.map((r) => jsonBody(r).type).filter((t) => t !== undefined);

describe("webhook ordering per endpoint", () => {
  it("sends an ordered endpoint one conference's burst one request at a time, in order", async () => {
    const { api, account, receiver, burst, subscribe } = await setup();
    const hook = await subscribe("/ordered");
    expect(hook.body.data.ordered).toBe(true);
    burst(hexId());

    const got = await receiver.waitFor(BURST, (r) => r.url === "/ordered");
    expect(overlapOf(got)).toBe(1);
    expect(mutes(got)).toEqual(
      Array.from({ length: BURST }, (_, i) =>
        i % 2 === 0 ? "meeting.participantMuted" : "meeting.participantUnmuted",
      ),
    );
    await expect
      .poll(async () =>
        (await listDeliveries(api, account, hook.id)).filter((d) => d.status === "succeeded"),
      )
      .toHaveLength(BURST);
  });

  it("sends an endpoint with ordered false one conference's burst side by side, each delivery once", async () => {
    const { api, account, receiver, burst, subscribe } = await setup();
    const hook = await subscribe("/unordered", { ordered: false });
    expect(hook.body.data.ordered).toBe(false);
    const conferenceId = hexId();
    burst(conferenceId);

    const got = await receiver.waitFor(BURST, (r) => r.url === "/unordered");
    expect(overlapOf(got)).toBeGreaterThan(1);
    expect(new Set(got.map((r) => r.headers["webhook-id"])).size).toBe(BURST);
    expect(mutes(got).sort()).toEqual(
      [
        ...Array(BURST / 2).fill("meeting.participantMuted"),
        ...Array(BURST / 2).fill("meeting.participantUnmuted"),
      ].sort(),
    );
    // The delivery log still names the conference each delivery is about.
    await expect
      .poll(async () => {
        const log = await listDeliveries(api, account, hook.id);
        return log.filter((d) => d.status === "succeeded" && d.conference_id === conferenceId);
      })
      .toHaveLength(BURST);
  });

  it("turns ordering off and on again through PATCH, and refuses a value that is not a boolean", async () => {
    const { api, account, subscribe } = await setup();
    const hook = await subscribe("/toggled");
    const path = webhookPath(account, hook.id);
    const off = await api.patch(path, { token: account.token, body: { data: { ordered: false } } });
    expect(off.status).toBe(200);
    expect(off.body.data.ordered).toBe(false);
    const read = await api.get(path, { token: account.token });
    expect(read.body.data.ordered).toBe(false);
    const bad = await api.patch(path, {
      token: account.token,
      body: { data: { ordered: "sometimes" } },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("ordered");
    const on = await api.patch(path, { token: account.token, body: { data: { ordered: true } } });
    expect(on.body.data.ordered).toBe(true);
  });
});
