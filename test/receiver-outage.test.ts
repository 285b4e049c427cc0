import type { AddressInfo } from "node:net";
import { createConnection, createServer, type Server } from "node:net";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { apiClient, createAccount } from "./helpers/api";
import { startBrokerServer } from "./helpers/broker";
import { currentFeedEvent, hexId } from "./helpers/events";
import { type ReceivedRequest, type Receiver, startReceiver } from "./helpers/receiver";
import { createWebhook, jsonBody, listDeliveries } from "./helpers/webhooks";

/** A loopback port nothing listens on (connection refused), reserved by binding then closing. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Starts forwarding `port` to `target` (the receiver): the endpoint "comes back up". */
async function forward(port: number, target: Receiver): Promise<Server> {
  const targetPort = Number(new URL(target.url).port);
  const proxy = createServer((socket) => {
    const upstream = createConnection(targetPort, "127.0.0.1");
    socket.pipe(upstream).pipe(socket);
    socket.on("error", () => upstream.destroy());
    upstream.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    proxy.once("error", reject);
    proxy.listen(port, "127.0.0.1", () => resolve());
  });
  onTestFinished(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
  return proxy;
}

/** Conference, type and participant of a native request. */
function labelOf(request: ReceivedRequest): string {
  const body = jsonBody(request);
  return `${body.data?.meeting?.id} ${body.type}:${body.data?.participant?.peerId}`;
}

/** Per conference, the labels of the first 2xx of each event, in arrival order. */
function firstSuccessesByConference(requests: ReceivedRequest[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const request of requests.filter((r) => r.answered === 200)) {
    const label = labelOf(request);
    const conference = label.split(" ")[0] as string;
    const seen = out.get(conference) ?? [];
    if (!seen.includes(label)) {
      seen.push(label);
    }
    out.set(conference, seen);
  }
  return out;
}

describe("a webhook receiver outage", () => {
  it("delivers everything to an endpoint that is refused, then slow, then failing, then healthy, in order per conference, without holding back a healthy endpoint", async () => {
    const { server, probe } = await startBrokerServer(undefined, {
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
      // Twenty quick retries: long enough to outlast the outage, short enough for a test.
      WEBHOOK_RETRY_SCHEDULE: Array.from({ length: 20 }, () => "0.2").join(","),
    });
    const api = apiClient(server);
    const account = await createAccount(api);
    const troubled = await startReceiver();
    const healthy = await startReceiver();
    const port = await closedPort();
    const types = [
      "meeting.participantJoined",
      "meeting.participantMuted",
      "meeting.participantLeft",
    ];
    const hookA = await createWebhook(api, account, {
      url: `http://127.0.0.1:${port}/a`,
      event_types: types,
    });
    await createWebhook(api, account, { url: `${healthy.url}/b`, event_types: types });

    // Phases of the troubled receiver once it listens: 4 slow successes, 4 errors, then healthy.
    let answered = 0;
    troubled.setResponder(() => {
      answered += 1;
      if (answered <= 4) {
        return { status: 200, delayMs: 300 };
      }
      if (answered <= 8) {
        return { status: 500 };
      }
      return { status: 200 };
    });

    const conferences = Array.from({ length: 4 }, () => hexId());
    const expected = new Map<string, string[]>();
    for (const conferenceId of conferences) {
      const labels: string[] = [];
      const feed = (event: string, n: number, speak = true) => {
        const callId = `${conferenceId.slice(0, 6)}-${n}`;
        const { routingKey, body } = currentFeedEvent(
          event,
          { accountId: account.id, conferenceId, callId },
          { participantId: n, speak },
        );
        probe.publish(routingKey, body);
        return callId;
      };
      for (let n = 1; n <= 3; n += 1) {
        labels.push(`${conferenceId} meeting.participantJoined:${feed("add-member", n)}`);
      }
      labels.push(`${conferenceId} meeting.participantMuted:${feed("mute-member", 1, false)}`);
      labels.push(`${conferenceId} meeting.participantLeft:${feed("del-member", 2)}`);
      expected.set(conferenceId, labels);
    }
    const all = [...expected.values()].flat();

    // The healthy endpoint gets everything while the troubled one still refuses connections.
    await healthy.waitFor(all.length, (r) => r.answered === 200, 15_000);
    await expect
      .poll(async () => (await listDeliveries(api, account, hookA.id, "?status=retrying")).length, {
        timeout: 5000,
        interval: 20,
      })
      .toBe(conferences.length);
    expect(troubled.requests).toHaveLength(0);
    expect(Object.fromEntries(firstSuccessesByConference(healthy.requests))).toEqual(
      Object.fromEntries(expected),
    );
    expect(healthy.requests.every((r) => r.answered === 200)).toBe(true);
    const healthyDoneAt = Math.max(...healthy.requests.map((r) => r.at));

    // The troubled endpoint comes up: slow, then 500, then fine.
    await forward(port, troubled);
    await vi.waitFor(
      () => {
        const done = new Set(troubled.requests.filter((r) => r.answered === 200).map(labelOf));
        const missing = all.filter((label) => !done.has(label));
        if (missing.length > 0) {
          throw new Error(`${missing.length} of ${all.length} not delivered to /a yet`);
        }
      },
      { timeout: 20_000, interval: 20 },
    );
    expect(troubled.requests.every((r) => r.at >= healthyDoneAt)).toBe(true);
    expect(troubled.requests.filter((r) => r.answered === 500).length).toBe(4);
    expect(Object.fromEntries(firstSuccessesByConference(troubled.requests))).toEqual(
      Object.fromEntries(expected),
    );
    // Each event went out under one webhook-id, retries included.
    const idsByLabel = new Map<string, Set<string>>();
    for (const request of troubled.requests) {
      const label = labelOf(request);
      idsByLabel.set(
        label,
        (idsByLabel.get(label) ?? new Set()).add(request.headers["webhook-id"] ?? ""),
      );
    }
    expect([...idsByLabel.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(await listDeliveries(api, account, hookA.id, "?status=dead")).toEqual([]);
    await expect
      .poll(async () =>
        (await listDeliveries(api, account, hookA.id, "?limit=1000")).every(
          (d) => d.status === "succeeded",
        ),
      )
      .toBe(true);
    console.info(
      `receiver outage: ${all.length} deliveries verified on each endpoint; the troubled one took ${troubled.requests.length} requests (${troubled.requests.filter((r) => r.answered === 500).length} answered 500) after being refused`,
    );
  }, 60_000);
});
