import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import type { ParleyServer } from "../server/create-server";
import {
  type ApiClient,
  apiClient,
  createAccount,
  type Json,
  type TestAccount,
} from "./helpers/api";
import {
  AMQP_URL,
  brokerProbe,
  connectBroker,
  newTopology,
  startBrokerServer,
} from "./helpers/broker";
import { startFakeMediaServer } from "./helpers/media-server";
import { startParleyProcess } from "./helpers/process";
import { startReceiver } from "./helpers/receiver";
import { ADMIN_TOKEN, startServer } from "./helpers/server";
import { createWebhook, jsonBody, typeOf } from "./helpers/webhooks";
import { connectWs, type TestSocket } from "./helpers/ws-client";

const fast = { RECONCILE_INTERVAL_SECONDS: "0.5", RECONCILE_TIMEOUT_MS: "250" };

/** Subscribes a real `ws` client to every conference event of the account. */
async function watchAccount(server: ParleyServer, account: TestAccount): Promise<TestSocket> {
  const ws = await connectWs(server);
  const reply = await ws.request({
    action: "subscribe",
    auth_token: account.token,
    data: { account_id: account.id, binding: "conference.event.*.*" },
  });
  expect(reply.status).toBe("success");
  return ws;
}

/** Live participants of every conference of the account, by conference id. */
async function liveMembers(api: ApiClient, account: TestAccount): Promise<Map<string, Json[]>> {
  const list = await api.get(`/v2/accounts/${account.id}/conferences`, { token: account.token });
  const out = new Map<string, Json[]>();
  for (const row of list.body.data as Json[]) {
    const detail = await api.get(`/v2/accounts/${account.id}/conferences/${row.id}`, {
      token: account.token,
    });
    out.set(row.id, detail.body.data._read_only.participants);
  }
  return out;
}

const totalMembers = (live: Map<string, Json[]>) =>
  [...live.values()].reduce((n, members) => n + members.length, 0);

/** A reconcile round through the API, which also proves the media servers answer searches. */
async function reconcileAccount(api: ApiClient, account: TestAccount): Promise<Json> {
  const res = await api.put(`/v2/accounts/${account.id}/reconcile`, {
    token: account.token,
    body: { data: {} },
  });
  expect(res.status).toBe(201);
  return res.body.data;
}

describe("reconciliation with the media servers", () => {
  it("ends the conferences of a simulator that stopped without a word, with the webhooks and events of real leaves", async () => {
    const receiver = await startReceiver();
    const server = await startServer({
      PARLEY_SIMULATE: "1",
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
      ...fast,
    });
    const api = apiClient(server);
    const auth = await api.put("/v2/api_auth", {
      body: { data: { api_key: server.simulation?.createdApiKey } },
    });
    const account: TestAccount = {
      id: auth.body.data.account_id,
      name: "demo",
      apiKey: "",
      token: auth.body.auth_token,
    };
    await createWebhook(api, account, {
      url: `${receiver.url}/hook`,
      event_types: ["meeting.participantLeft", "meeting.ended"],
    });
    const ws = await watchAccount(server, account);
    await expect
      .poll(async () => [...(await liveMembers(api, account)).values()].map((m) => m.length >= 3), {
        timeout: 10_000,
      })
      .toEqual([true, true, true]);
    expect((await reconcileAccount(api, account)).answers).toBeGreaterThan(0);

    server.simulation?.stop();
    // Let events the simulator had already handed to the bus drain.
    await new Promise((done) => setImmediate(done));
    const before = await liveMembers(api, account);
    const ghosts = [...before.values()].flat().map((p) => p.call_id);
    expect(ghosts.length).toBeGreaterThanOrEqual(9);

    await expect
      .poll(async () => totalMembers(await liveMembers(api, account)), { timeout: 10_000 })
      .toBe(0);
    const left = await receiver.waitFor(
      ghosts.length,
      (r) =>
        typeOf(r) === "meeting.participantLeft" &&
        ghosts.includes(jsonBody(r).data.participant.peerId),
    );
    expect(new Set(left.map((r) => jsonBody(r).data.participant.peerId)).size).toBe(ghosts.length);
    const ended = await receiver.waitFor(3, (r) => typeOf(r) === "meeting.ended");
    expect(new Set(ended.map((r) => jsonBody(r).data.meeting.id))).toEqual(new Set(before.keys()));

    const leaves = await ws.events(
      ghosts.length,
      (f) => f.data.event === "del-member" && f.data.reconciled === true,
    );
    expect(new Set(leaves.map((f) => f.data.call_id))).toEqual(new Set(ghosts));
    expect(leaves[0].data).toMatchObject({ app_name: "parley", event_name: "event" });
    const destroyed = await ws.events(3, (f) => f.data.event === "conference-destroy");
    expect(destroyed.every((f) => f.data.reconciled === true)).toBe(true);
  });

  it("over RabbitMQ: the simulator process answers searches like ecallmgr, and its conferences end once it is killed", async () => {
    const { server, topology } = await startBrokerServer(undefined, fast);
    const api = apiClient(server);
    const account = await createAccount(api);
    const ws = await watchAccount(server, account);
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "server/simulator/cli.ts",
        "--amqp",
        AMQP_URL,
        "--account",
        account.id,
        "--exchange",
        topology.exchange,
        "--speed",
        "0.2",
      ],
      { cwd: resolve(import.meta.dirname, ".."), stdio: "ignore" },
    );
    onTestFinished(() => {
      child.kill("SIGKILL");
    });
    await expect
      .poll(
        async () =>
          [...(await liveMembers(api, account)).values()].filter((m) => m.length >= 3).length,
        {
          timeout: 15_000,
        },
      )
      .toBe(3);

    // Ask the simulator directly, as crossbar would, and read its answers.
    const connection = await connectBroker();
    onTestFinished(() => connection.close().catch(() => {}));
    const channel = await connection.createChannel();
    const { queue } = await channel.assertQueue("", { exclusive: true });
    await channel.bindQueue(queue, "targeted", queue);
    const answers: Json[] = [];
    await channel.consume(queue, (m) => m && answers.push(JSON.parse(m.content.toString())), {
      noAck: true,
    });
    const conferenceId = [...(await liveMembers(api, account)).keys()][0];
    const ask = (fields: Record<string, string>) =>
      channel.publish(
        topology.exchange,
        "conference.discovery",
        Buffer.from(
          JSON.stringify({
            "App-Name": "crossbar",
            "App-Version": "4.3.0",
            "Event-Category": "conference",
            "Event-Name": "search_req",
            "Msg-ID": `probe-${fields["Account-ID"] ?? fields["Conference-ID"]}`,
            "Server-ID": queue,
            ...fields,
          }),
        ),
      );
    ask({ "Conference-ID": conferenceId as string });
    ask({ "Account-ID": account.id });
    ask({ "Conference-ID": "no-such-conference" });
    await expect.poll(() => answers.length, { timeout: 5_000 }).toBe(3);
    const byId = (id: string) => answers.find((a) => a["Msg-ID"] === `probe-${id}`);
    expect(Object.keys(byId(conferenceId as string)).sort()).toEqual(
      expect.arrayContaining([
        "Conference-ID",
        "Event-Category",
        "Event-Name",
        "Locked",
        "Msg-ID",
        "Participant-Count",
        "Participants",
        "Run-Time",
        "Start-Time",
        "Switch-Hostname",
        "UUID",
      ]),
    );
    expect(Object.keys(byId(conferenceId as string).Participants[0]).sort()).toEqual([
      "Call-ID",
      "Caller-ID-Name",
      "Caller-ID-Number",
      "Conference-Channel-Vars",
      "Conference-Name",
      "Conference-UUID",
      "Custom-Application-Vars",
      "Custom-Channel-Vars",
      "Join-Time",
      "Participant-ID",
      "Switch-Hostname",
    ]);
    expect(Object.keys(byId(account.id).Conferences[conferenceId as string]).sort()).toEqual(
      expect.arrayContaining([
        "Is-Locked",
        "Members",
        "Moderators",
        "Participant-Count",
        "Run-Time",
        "UUID",
      ]),
    );
    expect(byId("no-such-conference")).toMatchObject({
      "Event-Name": "error",
      "Error-Message": "Conference no-such-conference not found",
    });

    expect((await reconcileAccount(api, account)).answers).toBeGreaterThan(0);
    child.kill("SIGKILL");
    await expect
      .poll(async () => totalMembers(await liveMembers(api, account)), { timeout: 10_000 })
      .toBe(0);
    const destroyed = await ws.events(3, (f) => f.data.event === "conference-destroy");
    expect(destroyed.every((f) => f.data.reconciled === true)).toBe(true);
  });

  it("after parley restarts during a call, members who joined while it was down appear without a new event", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-reconcile-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const topology = newTopology();
    await brokerProbe(topology); // deletes the test's queues and exchange afterwards
    const env = {
      PARLEY_DB: join(dir, "parley.db"),
      AMQP_URL,
      AMQP_EXCHANGE: topology.exchange,
      AMQP_QUEUE: topology.queue,
      PARLEY_ADMIN_TOKEN: ADMIN_TOKEN,
      RECONCILE_INTERVAL_SECONDS: "0",
      RECONCILE_TIMEOUT_MS: "300",
    };
    const first = await startParleyProcess(env);
    const account = await createAccount(first.api);
    const media = await startFakeMediaServer(topology, account.id);
    const conferenceId = "standup-4711";
    media.join(conferenceId, { callId: "call-1", participantId: 1 }, { publish: true });
    const path = `/v2/accounts/${account.id}/conferences/${conferenceId}/participants`;
    await expect
      .poll(async () => (await first.api.get(path, { token: account.token })).body.data?.length)
      .toBe(1);
    first.parley.child.kill("SIGKILL");
    await first.parley.exited;

    // While parley is down a caller joins muted, and the event never reaches it.
    media.join(conferenceId, { callId: "call-2", participantId: 2, speak: false });
    const published = media.published;

    const second = await startParleyProcess(env);
    await expect
      .poll(
        async () =>
          ((await second.api.get(path, { token: account.token })).body.data as Json[] | undefined)
            ?.map((p) => [p.call_id, p.speak])
            .sort(),
        { timeout: 10_000 },
      )
      .toEqual([
        ["call-1", true],
        ["call-2", false],
      ]);
    expect(media.published).toBe(published);
    const ws = await connectWs({ url: second.url } as ParleyServer);
    await ws.request({
      action: "subscribe",
      auth_token: account.token,
      data: {
        account_id: account.id,
        binding: `conference.event.${conferenceId}.*`,
        resume_from: 0,
      },
    });
    const [joined] = await ws.events(
      1,
      (f) => f.data.event === "add-member" && f.data.call_id === "call-2",
    );
    expect(joined.data).toMatchObject({ reconciled: true, app_name: "parley", participant_id: 2 });
    expect(joined.data.conference_channel_vars).toMatchObject({ speak: false });
  });
});
