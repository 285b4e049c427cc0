import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { type ApiClient, createAccount, type TestAccount } from "./helpers/api";
import { AMQP_URL, type BrokerProbe, brokerProbe, newTopology } from "./helpers/broker";
import { currentFeedEvent, hexId } from "./helpers/events";
import { startParleyProcess } from "./helpers/process";
import { type ReceivedRequest, type Receiver, startReceiver } from "./helpers/receiver";
import { ADMIN_TOKEN } from "./helpers/server";
import { createWebhook, jsonBody, listDeliveries, verifyRequest } from "./helpers/webhooks";

/** A parley process on a file database and its own RabbitMQ topology, restartable. */
async function crashRig() {
  const dir = mkdtempSync(join(tmpdir(), "parley-webhooks-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const topology = newTopology();
  const probe = await brokerProbe(topology);
  const receiver = await startReceiver();
  const env = {
    PARLEY_DB: join(dir, "parley.db"),
    PARLEY_ADMIN_TOKEN: ADMIN_TOKEN,
    WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    // Retries every 0.2 s for a long while: deliveries stay pending/retrying, never dead.
    WEBHOOK_RETRY_SCHEDULE: Array.from({ length: 300 }, () => "0.2").join(","),
    AMQP_URL,
    AMQP_EXCHANGE: topology.exchange,
    AMQP_QUEUE: topology.queue,
  };
  const start = () => startParleyProcess(env);
  return { probe, receiver, start };
}

/** `joined` events for `participants` callers in each of `conferences` ad-hoc conferences. */
function publishJoins(
  probe: BrokerProbe,
  account: TestAccount,
  conferences: string[],
  participants: number,
): string[] {
  const expected: string[] = [];
  for (const conferenceId of conferences) {
    expected.push(`${conferenceId} meeting.started`);
    for (let n = 1; n <= participants; n += 1) {
      const callId = `${conferenceId.slice(0, 6)}-${n}`;
      const { routingKey, body } = currentFeedEvent(
        "add-member",
        { accountId: account.id, conferenceId, callId },
        { participantId: n },
      );
      probe.publish(routingKey, body);
      expected.push(`${conferenceId} meeting.participantJoined:${callId}`);
    }
  }
  return expected;
}

/** What a native request is about: conference, type and participant. */
function labelOf(request: ReceivedRequest): string {
  const body = jsonBody(request);
  const peer = body.data?.participant?.peerId;
  return `${body.data?.meeting?.id} ${body.type}${peer ? `:${peer}` : ""}`;
}

/**
 * Checks the receiver got every expected event with a 2xx, each event under one webhook-id only
 * (a repeat is allowed only as the same delivery: same id, same body), correctly signed, and in
 * order within each conference.
 */
function expectEveryEventOnce(receiver: Receiver, expected: string[], secret: string): void {
  const succeeded = receiver.requests.filter((r) => r.answered === 200);
  const idsByLabel = new Map<string, Set<string>>();
  const bodyById = new Map<string, string>();
  for (const request of receiver.requests) {
    const id = request.headers["webhook-id"] ?? "";
    const label = labelOf(request);
    idsByLabel.set(label, (idsByLabel.get(label) ?? new Set()).add(id));
    if (bodyById.has(id)) {
      expect(request.body, `body of ${id}`).toBe(bodyById.get(id));
    }
    bodyById.set(id, request.body);
  }
  for (const request of succeeded) {
    expect(verifyRequest(request, secret)).toEqual(JSON.parse(request.body));
  }
  expect([...new Set(succeeded.map(labelOf))].sort()).toEqual([...expected].sort());
  for (const label of expected) {
    expect([...(idsByLabel.get(label) ?? [])], label).toHaveLength(1);
  }
  // Per conference, the first success of each event comes in event order.
  for (const conferenceId of new Set(expected.map((l) => l.split(" ")[0]))) {
    const firsts: string[] = [];
    for (const label of succeeded.map(labelOf)) {
      if (label.startsWith(`${conferenceId} `) && !firsts.includes(label)) {
        firsts.push(label);
      }
    }
    expect(firsts).toEqual(expected.filter((l) => l.startsWith(`${conferenceId} `)));
  }
}

/** Waits until every expected event has been answered 2xx at least once. */
async function waitForAll(receiver: Receiver, expected: string[], timeout: number): Promise<void> {
  await vi.waitFor(
    () => {
      const done = new Set(receiver.requests.filter((r) => r.answered === 200).map(labelOf));
      const missing = expected.filter((label) => !done.has(label));
      if (missing.length > 0) {
        throw new Error(`${missing.length} of ${expected.length} events not delivered yet`);
      }
    },
    { timeout, interval: 50 },
  );
}

async function setupAccount(api: ApiClient, receiver: Receiver) {
  const account = await createAccount(api);
  const hook = await createWebhook(api, account, {
    url: `${receiver.url}/hook`,
    event_types: ["*"],
  });
  return { account, hook };
}

describe("webhook durability across SIGKILL", () => {
  it("sends every pending and retrying delivery after a restart on the same database, with the same webhook-id", async () => {
    const { probe, receiver, start } = await crashRig();
    receiver.setDefault({ status: 503 });
    const first = await start();
    const { account, hook } = await setupAccount(first.api, receiver);
    const conferences = [hexId(), hexId(), hexId()];
    const expected = publishJoins(probe, account, conferences, 4);

    // Every delivery is recorded, and the first of each conference is failing over and over.
    await expect
      .poll(async () => (await listDeliveries(first.api, account, hook.id, "?limit=1000")).length, {
        timeout: 15_000,
      })
      .toBe(expected.length);
    await expect
      .poll(
        async () => (await listDeliveries(first.api, account, hook.id, "?status=retrying")).length,
        { timeout: 10_000 },
      )
      .toBe(conferences.length);
    const recorded = await listDeliveries(first.api, account, hook.id, "?limit=1000");
    expect(recorded.every((d) => d.status === "pending" || d.status === "retrying")).toBe(true);
    expect(receiver.requests.length).toBeGreaterThan(0);
    expect(receiver.requests.every((r) => r.answered === 503)).toBe(true);

    first.parley.child.kill("SIGKILL");
    expect((await first.parley.exited).signal).toBe("SIGKILL");
    receiver.setDefault({ status: 200 });

    const second = await start();
    await waitForAll(receiver, expected, 20_000);
    expectEveryEventOnce(receiver, expected, hook.secret);
    // The deliveries that went out are the very ones recorded before the crash.
    const delivered = new Set(
      receiver.requests.filter((r) => r.answered === 200).map((r) => r.headers["webhook-id"]),
    );
    expect([...delivered].sort()).toEqual(recorded.map((d) => d.id).sort());
    await expect
      .poll(async () =>
        (await listDeliveries(second.api, account, hook.id, "?limit=1000")).every(
          (d) => d.status === "succeeded",
        ),
      )
      .toBe(true);
    // Auth tokens are signed with a secret kept in the database: the old token still works.
    const log = await listDeliveries(second.api, account, hook.id, "?limit=1000");
    expect(log).toHaveLength(expected.length);
  }, 90_000);

  it("loses no delivery when killed while events are still being ingested", async () => {
    const { probe, receiver, start } = await crashRig();
    receiver.setDefault({ status: 503 });
    const first = await start();
    const { account, hook } = await setupAccount(first.api, receiver);
    const conferences = Array.from({ length: 8 }, () => hexId());
    const expected = publishJoins(probe, account, conferences, 12);

    // Kill as soon as the first delivery attempt shows some events were committed.
    await receiver.waitFor(1);
    first.parley.child.kill("SIGKILL");
    expect((await first.parley.exited).signal).toBe("SIGKILL");
    receiver.setDefault({ status: 200 });

    await start();
    await waitForAll(receiver, expected, 30_000);
    expectEveryEventOnce(receiver, expected, hook.secret);
  }, 90_000);
});
