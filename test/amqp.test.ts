import { describe, expect, it } from "vitest";
import { apiClient, createAccount, createConference } from "./helpers/api";
import { startBrokerServer } from "./helpers/broker";
import {
  currentFeedEvent,
  hexId,
  legacyRoutingKey,
  seedExampleEvent,
  seedExampleParticipant,
} from "./helpers/events";
import { connectWs } from "./helpers/ws-client";

describe("RabbitMQ ingest and commands", () => {
  it("shows seed 003's example event in _read_only.participants and pushes it to a WebSocket subscriber", async () => {
    const { server, probe } = await startBrokerServer();
    const api = apiClient(server);
    const account = await createAccount(api);
    const conferenceId = await createConference(api, account);
    const ws = await connectWs(server);
    const binding = `conference.event.${conferenceId}.*`;
    const reply = await ws.request({
      action: "subscribe",
      auth_token: account.token,
      data: { account_id: account.id, binding },
    });
    expect(reply.status).toBe("success");

    probe.publish(
      legacyRoutingKey(conferenceId, "934800819"),
      seedExampleEvent({ accountId: account.id, conferenceId }),
    );

    const [frame] = await ws.events(1);
    expect(frame).toMatchObject({
      action: "event",
      subscribed_key: binding,
      name: "participant_event",
      routing_key: `conference.event.${conferenceId}.934800819`,
      data: { event: "add-member", call_id: "934800819", participant_id: 20 },
    });
    const conference = await api.get(`/v2/accounts/${account.id}/conferences/${conferenceId}`, {
      token: account.token,
    });
    expect(conference.body.data._read_only.members).toBe(1);
    expect(conference.body.data._read_only.participants).toEqual([
      expect.objectContaining({
        ...seedExampleParticipant(conferenceId),
        join_time: expect.any(Number),
        duration: expect.any(Number),
      }),
    ]);
  });

  it("publishes a mute action as a confirmed mute_participant command on conference.command.{conf}", async () => {
    const { server, probe } = await startBrokerServer();
    const api = apiClient(server);
    const account = await createAccount(api);
    const conferenceId = await createConference(api, account);
    const { routingKey, body } = currentFeedEvent(
      "add-member",
      { accountId: account.id, conferenceId, callId: "call-20" },
      { participantId: 20 },
    );
    probe.publish(routingKey, body);
    const participant = `/v2/accounts/${account.id}/conferences/${conferenceId}/participants/20`;
    await expect
      .poll(async () => (await api.get(participant, { token: account.token })).status)
      .toBe(200);

    const res = await api.put(participant, {
      token: account.token,
      body: { data: { action: "mute" } },
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toBe("ok");
    await expect.poll(() => probe.commands.length).toBe(1);
    expect(probe.commands[0]).toEqual({
      routingKey: `conference.command.${conferenceId}`,
      body: {
        "Event-Category": "conference",
        "Event-Name": "command",
        "Application-Name": "mute_participant",
        "Conference-ID": conferenceId,
        "Participant-ID": 20,
        "Msg-ID": expect.any(String),
        "App-Name": "parley",
        "App-Version": expect.any(String),
      },
    });
  });

  it("sends a bulk mute to every participant but the moderators", async () => {
    const { server, probe } = await startBrokerServer();
    const api = apiClient(server);
    const account = await createAccount(api);
    const conferenceId = await createConference(api, account);
    const members = [
      { callId: "a", participantId: 1, isModerator: false },
      { callId: "b", participantId: 2, isModerator: false },
      { callId: "m", participantId: 3, isModerator: true },
    ];
    for (const m of members) {
      const { routingKey, body } = currentFeedEvent(
        "add-member",
        { accountId: account.id, conferenceId, callId: m.callId },
        { participantId: m.participantId, isModerator: m.isModerator },
      );
      probe.publish(routingKey, body);
    }
    const list = `/v2/accounts/${account.id}/conferences/${conferenceId}/participants`;
    await expect
      .poll(async () => (await api.get(list, { token: account.token })).body.data.length)
      .toBe(3);
    const res = await api.put(list, { token: account.token, body: { data: { action: "mute" } } });
    expect(res.status).toBe(201);
    await expect.poll(() => probe.commands.length).toBe(2);
    expect(probe.commands.map((c) => c.body["Participant-ID"]).sort()).toEqual([1, 2]);
    expect(probe.commands.every((c) => c.body["Application-Name"] === "mute_participant")).toBe(
      true,
    );
  });

  it("applies a redelivered message once", async () => {
    const { server, probe } = await startBrokerServer();
    const api = apiClient(server);
    const account = await createAccount(api);
    const conferenceId = hexId();
    const event = seedExampleEvent({ accountId: account.id, conferenceId, msgId: "redelivered-1" });
    probe.publish(legacyRoutingKey(conferenceId, "934800819"), event);
    probe.publish(legacyRoutingKey(conferenceId, "934800819"), event);
    probe.publish(
      legacyRoutingKey(conferenceId, "934800819"),
      seedExampleEvent({ accountId: account.id, conferenceId, event: "start-talking" }),
    );
    const count = () =>
      (
        server.store.sqlite
          .prepare("SELECT count(*) AS n FROM events WHERE conference_id = ?")
          .get(conferenceId) as { n: number }
      ).n;
    await expect.poll(count).toBe(2);
    const rows = server.store.sqlite
      .prepare("SELECT count(*) AS n FROM events WHERE msg_id = 'redelivered-1'")
      .get() as { n: number };
    expect(rows.n).toBe(1);
  });

  it("dead-letters a malformed message with its reason and goes on consuming", async () => {
    const { server, probe, topology } = await startBrokerServer();
    const api = apiClient(server);
    const account = await createAccount(api);
    const conferenceId = hexId();
    probe.publish(legacyRoutingKey(conferenceId, "c1"), "this is not json");
    probe.publish(legacyRoutingKey(conferenceId, "c1"), { event: "add-member", conference_id: 7 });
    probe.publish(
      legacyRoutingKey(conferenceId, "934800819"),
      seedExampleEvent({ accountId: account.id, conferenceId }),
    );
    const participants = `/v2/accounts/${account.id}/conferences/${conferenceId}/participants`;
    await expect
      .poll(async () => (await api.get(participants, { token: account.token })).body.data?.length)
      .toBe(1);
    const dead: Array<{ body: string; error: unknown; key: unknown }> = [];
    await expect
      .poll(async () => {
        for (const m of await probe.drainDeadLetters()) {
          dead.push({
            body: m.content.toString(),
            error: m.properties.headers?.["x-parley-error"],
            key: m.properties.headers?.["x-original-routing-key"],
          });
        }
        return dead.length;
      })
      .toBe(2);
    expect(dead[0]).toEqual({
      body: "this is not json",
      error: "body is not valid JSON",
      key: legacyRoutingKey(conferenceId, "c1"),
    });
    expect(String(dead[1]?.error)).toMatch(/conference_id/);
    expect(topology.deadQueue).toBe(`${topology.queue}.dead`);
  });
});
