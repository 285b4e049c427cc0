import { describe, expect, it } from "vitest";
import { apiClient, createAccount, createConference, type Json } from "./helpers/api";
import {
  currentFeedEvent,
  hexId,
  legacyRoutingKey,
  seedExampleEvent,
  seedExampleParticipant,
} from "./helpers/events";
import { startServer } from "./helpers/server";

async function setup() {
  const server = await startServer();
  const api = apiClient(server);
  const account = await createAccount(api);
  const bus = server.memoryBus;
  if (!bus) {
    throw new Error("test server should run on the embedded bus");
  }
  const participants = async (conferenceId: string): Promise<Json[]> => {
    const res = await api.get(
      `/v2/accounts/${account.id}/conferences/${conferenceId}/participants`,
      {
        token: account.token,
      },
    );
    return res.status === 200 ? res.body.data : [];
  };
  const conference = async (conferenceId: string) =>
    api.get(`/v2/accounts/${account.id}/conferences/${conferenceId}`, { token: account.token });
  return { server, api, account, bus, participants, conference };
}

describe("event ingest", () => {
  it("applies seed 003's example event to the conference's live participants", async () => {
    const { account, bus, api, participants } = await setup();
    const conferenceId = await createConference(api, account);
    bus.publishEvent(
      legacyRoutingKey(conferenceId, "934800819"),
      seedExampleEvent({ accountId: account.id, conferenceId }),
    );
    await expect.poll(() => participants(conferenceId)).toHaveLength(1);
    const [p] = await participants(conferenceId);
    expect(p).toMatchObject({
      ...seedExampleParticipant(conferenceId),
      caller_id_name: "sip1",
    });
    expect(typeof p.join_time).toBe("number");
    expect(p.join_time).toBeGreaterThan(62_167_219_200);
    expect(p.duration).toBeGreaterThanOrEqual(0);
    expect(p.custom_channel_vars.account_id).toBe(account.id);
  });

  it("accepts the legacy event in Kazoo's hyphenated wire case", async () => {
    const { account, bus, participants } = await setup();
    const conferenceId = hexId();
    bus.publishEvent(legacyRoutingKey(conferenceId, "call-1"), {
      "Event-Name": "participant_event",
      "Event-Category": "conference",
      Event: "add-member",
      "Call-ID": "call-1",
      "Conference-ID": conferenceId,
      "Instance-ID": "i-1",
      "Participant-ID": 7,
      Focus: "freeswitch@fs1",
      Hear: true,
      Speak: false,
      Talking: false,
      Floor: true,
      Video: false,
      "Mute-Detect": false,
      "Energy-Level": 20,
      "Current-Energy": 3,
      "Caller-ID-Name": "Bob",
      "Caller-ID-Number": "1002",
      "Custom-Channel-Vars": { "Account-ID": account.id },
      "Msg-ID": hexId(8),
    });
    await expect.poll(() => participants(conferenceId)).toHaveLength(1);
    const [p] = await participants(conferenceId);
    expect(p).toMatchObject({ participant_id: 7, speak: false, floor: true, current_energy: 3 });
  });

  it("follows a participant through Kazoo's current feed: join, talk, mute, deafen, leave", async () => {
    const { account, bus, participants, conference } = await setup();
    const ids = { accountId: account.id, conferenceId: hexId(), callId: "c@10.0.0.1" };
    const send = (event: string, state: Parameters<typeof currentFeedEvent>[2]) => {
      const { routingKey, body } = currentFeedEvent(event, ids, state);
      bus.publishEvent(routingKey, body);
    };
    send("conference-create", undefined);
    send("add-member", { participantId: 5 });
    await expect.poll(() => participants(ids.conferenceId)).toHaveLength(1);

    send("start-talking", { participantId: 5, talking: true, energy: 600 });
    await expect.poll(async () => (await participants(ids.conferenceId))[0]?.talking).toBe(true);
    expect((await participants(ids.conferenceId))[0].current_energy).toBe(600);

    send("mute-member", { participantId: 5, speak: false });
    await expect.poll(async () => (await participants(ids.conferenceId))[0]?.speak).toBe(false);
    send("deaf-member", { participantId: 5, hear: false });
    await expect.poll(async () => (await participants(ids.conferenceId))[0]?.hear).toBe(false);

    send("lock", undefined);
    await expect
      .poll(async () => (await conference(ids.conferenceId)).body.data?._read_only?.is_locked)
      .toBe(true);

    send("del-member", { participantId: 5 });
    await expect.poll(async () => (await conference(ids.conferenceId)).status).toBe(404);
  });

  it("counts moderators and members separately in _read_only", async () => {
    const { account, bus, conference } = await setup();
    const ids = { accountId: account.id, conferenceId: hexId() };
    for (const [callId, participantId, isModerator] of [
      ["a", 1, false],
      ["b", 2, false],
      ["m", 3, true],
    ] as const) {
      const { routingKey, body } = currentFeedEvent(
        "add-member",
        { ...ids, callId },
        { participantId, isModerator },
      );
      bus.publishEvent(routingKey, body);
    }
    await expect
      .poll(
        async () =>
          (await conference(ids.conferenceId)).body.data?._read_only?.participants?.length,
      )
      .toBe(3);
    const readOnly = (await conference(ids.conferenceId)).body.data._read_only;
    expect(readOnly).toMatchObject({ members: 2, moderators: 1, admins: 1, is_locked: false });
  });

  it("applies a redelivered message only once", async () => {
    const { account, bus, server, participants } = await setup();
    const conferenceId = hexId();
    const event = seedExampleEvent({ accountId: account.id, conferenceId, msgId: "dup-1" });
    bus.publishEvent(legacyRoutingKey(conferenceId, "934800819"), event);
    bus.publishEvent(legacyRoutingKey(conferenceId, "934800819"), event);
    await expect.poll(() => participants(conferenceId)).toHaveLength(1);
    const rows = server.store.sqlite
      .prepare("SELECT count(*) AS n FROM events WHERE msg_id = 'dup-1'")
      .get() as { n: number };
    expect(rows.n).toBe(1);
  });

  it("keeps distinct events that reuse one Msg-ID", async () => {
    const { account, bus, participants } = await setup();
    const conferenceId = hexId();
    for (const callId of ["x1", "x2"]) {
      const { routingKey, body } = currentFeedEvent(
        "add-member",
        { accountId: account.id, conferenceId, callId, msgId: "a6fbbf034b5cd3af" },
        { participantId: callId === "x1" ? 1 : 2 },
      );
      bus.publishEvent(routingKey, body);
    }
    await expect.poll(() => participants(conferenceId)).toHaveLength(2);
  });

  it("dead-letters malformed messages with a reason and keeps consuming", async () => {
    const { account, bus, participants } = await setup();
    const dead: string[] = [];
    bus.onDeadLetter((d) => dead.push(d.reason));
    const conferenceId = hexId();
    bus.publishEvent(legacyRoutingKey(conferenceId, "c1"), "not json{");
    bus.publishEvent(legacyRoutingKey(conferenceId, "c1"), "[1,2]");
    bus.publishEvent(legacyRoutingKey(conferenceId, "c1"), {
      ...seedExampleEvent({ accountId: account.id, conferenceId }),
      hear: "loud",
    });
    bus.publishEvent(legacyRoutingKey(conferenceId, "c1"), { event: "add-member" });
    bus.publishEvent("conference.event.only-three", { event: "add-member" });
    bus.publishEvent(legacyRoutingKey(conferenceId, "c1"), "x".repeat(300 * 1024));
    bus.publishEvent(
      legacyRoutingKey(conferenceId, "934800819"),
      seedExampleEvent({ accountId: account.id, conferenceId }),
    );
    await expect.poll(() => participants(conferenceId)).toHaveLength(1);
    expect(dead).toHaveLength(6);
    expect(dead.join("\n")).toMatch(/not valid JSON/);
    expect(dead.join("\n")).toMatch(/not a JSON object/);
    expect(dead.join("\n")).toMatch(/hear/);
    expect(dead.join("\n")).toMatch(/unrecognised routing key/);
    expect(dead.join("\n")).toMatch(/too large/);
  });

  it("refuses events that claim another account's stored conference", async () => {
    const { api, account, bus, participants } = await setup();
    const other = await createAccount(api, "Other");
    const conferenceId = await createConference(api, account);
    const dead: string[] = [];
    bus.onDeadLetter((d) => dead.push(d.reason));
    bus.publishEvent(
      legacyRoutingKey(conferenceId, "934800819"),
      seedExampleEvent({ accountId: other.id, conferenceId }),
    );
    await expect.poll(() => dead).toHaveLength(1);
    expect(dead[0]).toMatch(/another account/);
    expect(await participants(conferenceId)).toEqual([]);
  });

  it("refuses events for an account parley does not know", async () => {
    const { bus } = await setup();
    const dead: string[] = [];
    bus.onDeadLetter((d) => dead.push(d.reason));
    const conferenceId = hexId();
    bus.publishEvent(
      legacyRoutingKey(conferenceId, "934800819"),
      seedExampleEvent({ accountId: hexId(), conferenceId }),
    );
    await expect.poll(() => dead).toHaveLength(1);
    expect(dead[0]).toMatch(/unknown account/);
  });
});
