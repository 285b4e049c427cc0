import { describe, expect, it, vi } from "vitest";
import { createAccount, createConference, type Json, type TestAccount } from "../helpers/api";
import {
  accountView,
  buildStream,
  type ClusterNode,
  FeedClient,
  feedDifference,
  LEASE_NAMES,
  newCluster,
} from "../helpers/cluster";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { publishConfirmed } from "../helpers/stream";
import { createWebhook, verifyRequest } from "../helpers/webhooks";

const TOTAL = 20_000;
const JOIN_LEAVE = ["meeting.participantJoined", "meeting.participantLeft"];

/** Waits until every node answers the same account view; returns it. */
async function expectSameViews(nodes: ClusterNode[], account: TestAccount, timeout = 20_000) {
  let views: Array<Record<string, unknown>> = [];
  await vi
    .waitFor(
      async () => {
        views = await Promise.all(nodes.map((n) => accountView(n, account)));
        if (views.some((v) => JSON.stringify(v) !== JSON.stringify(views[0]))) {
          throw new Error("views differ");
        }
      },
      { timeout, interval: 250 },
    )
    .catch(() => {});
  for (const [i, view] of views.entries()) {
    expect(view, `${nodes[i]?.id}'s view against ${nodes[0]?.id}'s`).toEqual(views[0]);
  }
  return views[0] ?? {};
}

/** Every node's event log holds each published event once, under the same seq on every node. */
async function expectSameLogs(nodes: ClusterNode[], msgIds: string[], timeout = 60_000) {
  for (const node of nodes) {
    await expect
      .poll(() => node.logged(), { timeout, interval: 100, message: `${node.id} logged` })
      .toBeGreaterThanOrEqual(msgIds.length);
  }
  const [first, ...rest] = nodes.map((n) => n.log());
  const logged = (first ?? []).map((entry) => entry.slice(entry.indexOf(":") + 1));
  expect(new Set(logged).size, "distinct msg_ids logged").toBe(logged.length);
  expect([...logged].sort()).toEqual([...msgIds].sort());
  for (const [i, log] of rest.entries()) {
    expect(feedDifference(log, first ?? []), `${nodes[i + 1]?.id}'s log`).toEqual({});
  }
  return first ?? [];
}

/** What a native webhook body is about: `<conference> <type>:<participant>`. */
function deliveryLabel(body: Json): string {
  const peer = body.data?.participant?.peerId;
  return `${body.data?.meeting?.id} ${body.type}${peer ? `:${peer}` : ""}`;
}

/**
 * Every expected delivery arrives (answered 200), each under one webhook-id (repeats of that id
 * are at-least-once and allowed), signed with the subscription's secret.
 */
async function expectDeliveries(receiver: Receiver, expected: string[], secret: string) {
  const idsByLabel = new Map<string, Set<string>>();
  const bodyById = new Map<string, string>();
  const badBodies: string[] = [];
  let read = 0;
  const scan = () => {
    for (; read < receiver.requests.length; read += 1) {
      const request = receiver.requests[read];
      const id = request?.headers["webhook-id"];
      if (request?.answered !== 200 || !id) {
        continue;
      }
      if (bodyById.has(id) && bodyById.get(id) !== request.body) {
        badBodies.push(id);
      }
      bodyById.set(id, request.body);
      const label = deliveryLabel(JSON.parse(request.body));
      idsByLabel.set(label, (idsByLabel.get(label) ?? new Set()).add(id));
    }
  };
  await vi.waitFor(
    () => {
      scan();
      const missing = expected.filter((label) => !idsByLabel.has(label));
      if (missing.length > 0) {
        throw new Error(
          `${missing.length} of ${expected.length} deliveries missing: ${missing[0]}`,
        );
      }
    },
    { timeout: 90_000, interval: 250 },
  );
  scan();
  expect([...idsByLabel.keys()].sort()).toEqual([...expected].sort());
  const splitIds = [...idsByLabel].filter(([, ids]) => ids.size > 1).map(([label]) => label);
  expect(splitIds, "deliveries sent under more than one webhook-id").toEqual([]);
  expect(badBodies, "one webhook-id, different bodies").toEqual([]);
  expect(bodyById.size).toBe(expected.length);
  const unsigned = receiver.requests.filter((r) => {
    try {
      verifyRequest(r, secret);
      return false;
    } catch {
      return true;
    }
  });
  expect(unsigned.length, "requests whose signature does not verify").toBe(0);
  return receiver.requests.length;
}

/** n1, n2, n3 started in that order (n1 holds ingest and the leases), an account, a webhook. */
async function threeNodes() {
  const cluster = newCluster();
  const n1 = await cluster.start("n1");
  const n2 = await cluster.start("n2");
  const n3 = await cluster.start("n3");
  const account = await createAccount(n1.api, "Cluster");
  return { cluster, n1, n2, n3, account };
}

/**
 * Three nodes, six feed clients (two per node), a webhook created on n2; 20,000 events streamed;
 * `victim` SIGKILLed mid-stream and its clients resumed on the survivors.
 */
async function killMidStream(victimId: string, seed: number) {
  const started = Date.now();
  const phases: string[] = [];
  const phase = (name: string) => phases.push(`${name} ${Date.now() - started}ms`);
  const { cluster, n1, n2, n3, account } = await threeNodes();
  phase("started");
  const receiver = await startReceiver();
  const hook = await createWebhook(n2.api, account, {
    url: `${receiver.url}/hook`,
    event_types: JOIN_LEAVE,
  });
  const nodes = [n1, n2, n3];
  const clients = nodes.flatMap((n) => [0, 1].map((i) => new FeedClient(`${n.id}.${i}`, account)));
  await Promise.all(clients.map((c, i) => c.connect(nodes[Math.floor(i / 2)] as ClusterNode)));

  const { events, deliveries, msgIds } = buildStream(account.id, TOTAL, 100, seed);
  const stream = await publishConfirmed(cluster.topology.exchange, events, {
    applied: () => n2.logged(),
    ahead: 4000,
  });
  const victim = nodes.find((n) => n.id === victimId) as ClusterNode;
  await expect
    .poll(() => victim.logged(), { timeout: 60_000, interval: 10 })
    .toBeGreaterThan(TOTAL / 4);
  // n1 started first, so it holds every lease; n3 holds none.
  expect(await leasesHeld(victim)).toHaveLength(victimId === "n1" ? LEASE_NAMES.length : 0);
  await victim.kill();
  phase("killed");
  const atKill = { applied: victim.logged(), published: stream.published() };
  expect(atKill.published, "events published when the node was killed").toBeLessThan(TOTAL);
  const survivors = nodes.filter((n) => n !== victim);
  const moved = clients.filter((c) => c.node === victimId);
  await Promise.all(
    moved.map((c, i) => c.connect(survivors[i % survivors.length] as ClusterNode, true)),
  );
  await stream.done;

  // Every lease is held again, by the survivors.
  await vi.waitFor(
    async () => {
      const held = (await Promise.all(survivors.map(leasesHeld))).flat().sort();
      expect(held).toEqual([...LEASE_NAMES].sort());
    },
    { timeout: 30_000, interval: 200 },
  );
  const log = await expectSameLogs(survivors, msgIds);
  phase("drained");
  // The dead node's log is a prefix of the survivors' (same seqs, same order).
  const victimLog = victim.log();
  expect(feedDifference(victimLog, log.slice(0, victimLog.length))).toEqual({});

  for (const client of clients) {
    await vi
      .waitFor(
        () => {
          if (client.received().length < log.length) {
            throw new Error(`${client.name}: ${client.received().length} of ${log.length}`);
          }
        },
        { timeout: 30_000, interval: 100 },
      )
      .catch(() => {});
    expect(feedDifference(client.received(), log), `feed of ${client.name}`).toEqual({});
  }
  phase("feeds");
  const requests = await expectDeliveries(receiver, deliveries, hook.secret);
  phase("delivered");
  await expectSameViews(survivors, account);
  phase("views");
  console.info(
    `cluster, ${victimId} killed at ${atKill.applied} applied (${atKill.published} published): ${log.length} events on ${survivors.length} survivors, ${clients.length} feeds identical (${moved.length} resumed), ${deliveries.length} deliveries (${requests} requests); ${phases.join(", ")}`,
  );
}

/** The leases `node` holds, from its `/metrics`. */
async function leasesHeld(node: ClusterNode): Promise<string[]> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  return [...text.matchAll(/^parley_lease_held\{lease="([^"]+)"\} 1$/gm)].map(
    (m) => m[1] as string,
  );
}

/** A few API writes spread over the nodes: conferences, a patch, a webhook (returned). */
async function someWrites(nodes: ClusterNode[], account: TestAccount, receiver: Receiver) {
  const [n1, n2, n3] = nodes as [ClusterNode, ClusterNode, ClusterNode];
  const a = await createConference(n1.api, account, { name: "Alpha" });
  await createConference(n2.api, account, { name: "Beta", member: { numbers: ["2001"] } });
  const patched = await n3.api.patch(`/v2/accounts/${account.id}/conferences/${a}`, {
    token: account.token,
    body: { data: { play_name: true } },
  });
  expect(patched.status).toBe(200);
  return createWebhook(n3.api, account, { url: `${receiver.url}/late`, event_types: JOIN_LEAVE });
}

describe("cluster mode under node faults", () => {
  it("when a node holding no lease is SIGKILLed mid-stream, its WebSocket clients resume on the others without gap or duplicate, and the survivors agree on state, log and webhooks", async () => {
    await killMidStream("n3", 1);
  }, 180_000);

  it("when the ingest and lease holder is SIGKILLed mid-stream, ingest and webhook delivery move on: no event lost or applied twice, every feed complete, every delivery made", async () => {
    await killMidStream("n1", 2);
  }, 180_000);

  it("a fourth node started late on an empty database catches up from the log and answers the same as the others once ready", async () => {
    const { cluster, n1, n2, n3, account } = await threeNodes();
    const receiver = await startReceiver();
    const hook = await someWrites([n1, n2, n3], account, receiver);
    const { events, deliveries, msgIds } = buildStream(account.id, 5000, 30, 3);
    const stream = await publishConfirmed(cluster.topology.exchange, events);
    await stream.done;
    const log = await expectSameLogs([n1, n2, n3], msgIds);
    await expectDeliveries(receiver, deliveries, hook.secret);
    const before = await expectSameViews([n1, n2, n3], account);

    const n4 = await cluster.start("n4");
    // Right at readiness: caught up already.
    expect.soft(n4.logged(), "events n4 had applied when first ready").toBe(log.length);
    expect.soft(await accountView(n4, account), "n4's view when first ready").toEqual(before);
    expect(feedDifference(n4.log(), log), "n4's log").toEqual({});
    await expectSameViews([n1, n4, n2], account);
  }, 120_000);

  it("writes on any node are seen on every node (an API key rotation too), and concurrent conflicting writes to one conference converge to the same document everywhere without a 5xx", async () => {
    const { n1, n2, n3, account } = await threeNodes();
    const nodes = [n1, n2, n3];
    const conferenceId = await createConference(n1.api, account, { name: "Shared" });
    const path = `/v2/accounts/${account.id}/conferences/${conferenceId}`;
    const read = async (node: ClusterNode) => {
      const res = await node.api.get(path, { token: account.token });
      return { status: res.status, data: res.body?.data };
    };
    const created = await read(n1);
    expect(created.status).toBe(200);
    for (const node of [n2, n3]) {
      await expect.poll(() => read(node), { timeout: 10_000, interval: 50 }).toEqual(created);
    }

    const writes = Array.from({ length: 26 }, (_, i) => {
      const node = nodes[i % 3] as ClusterNode;
      const name = `name-${i}`;
      const body =
        i < 20
          ? { data: { name, member: { join_muted: i % 2 === 0 } } }
          : { data: { name, moderator: { numbers: [`${3000 + i}`] } } };
      const send = i < 20 ? node.api.patch : node.api.post;
      return send(path, { token: account.token, body }).then((res) => ({ name, node, res }));
    });
    const answers = await Promise.all(writes);
    const statuses = answers.map(({ name, node, res }) => `${name}@${node.id}:${res.status}`);
    expect(
      statuses.filter((s) => !/:(200|4\d\d)$/.test(s)),
      "answers neither 200 nor 4xx",
    ).toEqual([]);
    for (const { res } of answers.filter(({ res }) => res.status >= 400)) {
      expect(res.body, "a refused write says why").toMatchObject({
        status: "error",
        error: String(res.status),
        message: expect.any(String),
      });
    }
    const accepted = answers.filter(({ res }) => res.status === 200).map(({ name }) => name);
    expect(accepted.length).toBeGreaterThan(0);

    // Every write is in the log and applied by the node that answered it; the nodes agree once
    // each has applied them all.
    let final = created;
    await vi.waitFor(
      async () => {
        const reads = await Promise.all(nodes.map(read));
        final = reads[0] ?? created;
        expect(reads).toEqual([final, final, final]);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(accepted).toContain(final.data?.name);

    // An API key rotated on one node is the account's key on every node; the old one is refused.
    const rotated = await n2.api.put(`/v2/accounts/${account.id}/api_key`, {
      token: account.token,
    });
    expect(rotated.status).toBe(201);
    const exchange = (node: ClusterNode, apiKey: string) =>
      node.api
        .put("/v2/api_auth", { body: { data: { api_key: apiKey } } })
        .then((res) => res.status);
    for (const node of nodes) {
      await expect
        .poll(() => exchange(node, rotated.body.data.api_key), { timeout: 10_000, interval: 50 })
        .toBe(201);
      expect(await exchange(node, account.apiKey)).toBe(401);
      // The old key's tokens are retired on every node too.
      const stale = await node.api.get(`/v2/accounts/${account.id}`, { token: account.token });
      expect(stale.body.reason).toBe("key_rotated");
    }
    const renewed = await n3.api.put("/v2/api_auth", {
      body: { data: { api_key: rotated.body.data.api_key } },
    });
    await expectSameViews(nodes, { ...account, token: renewed.body.auth_token });
    console.info(`cluster writes: ${statuses.join(" ")} -> ${final.data?.name}`);
  }, 60_000);
});
