import { describe, expect, it } from "vitest";
import { apiClient, createAccount, createConference } from "./helpers/api";
import { currentFeedEvent, hexId } from "./helpers/events";
import {
  captureCommands,
  embeddedBus,
  expectErrorEnvelope,
  type Joiner,
  joinParticipants,
} from "./helpers/live";
import { startServer } from "./helpers/server";

/** A talking member, a member already muted and deafened, and a moderator. */
const roster: Joiner[] = [
  { callId: "call-a", participantId: 1 },
  { callId: "call-b", participantId: 2, speak: false, hear: false },
  { callId: "call-m", participantId: 3, isModerator: true },
];

async function setup(joiners: Joiner[] = roster) {
  const server = await startServer();
  const api = apiClient(server);
  const account = await createAccount(api);
  const conferenceId = await createConference(api, account, { name: "Standup" });
  await joinParticipants(server, api, account, conferenceId, joiners);
  const bus = embeddedBus(server);
  const commands = captureCommands(bus);
  const conf = `/v2/accounts/${account.id}/conferences/${conferenceId}`;
  return { server, api, account, bus, commands, conferenceId, conf, token: account.token };
}

const participantActions = [
  ["mute", "mute_participant"],
  ["unmute", "unmute_participant"],
  ["deaf", "deaf_participant"],
  ["undeaf", "undeaf_participant"],
  ["kick", "kick"],
] as const;

describe("reading participants", () => {
  it("lists the conference's participants with page_size", async () => {
    const { api, conf, token, conferenceId } = await setup();
    const res = await api.get(`${conf}/participants`, { token });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("success");
    expect(res.body.page_size).toBe(3);
    expect(res.body.data).toHaveLength(3);
    const byCall = new Map(res.body.data.map((p: { call_id: string }) => [p.call_id, p]));
    expect(byCall.get("call-a")).toMatchObject({
      participant_id: 1,
      conference_name: conferenceId,
      is_moderator: false,
      speak: true,
      hear: true,
    });
    expect(byCall.get("call-b")).toMatchObject({ participant_id: 2, speak: false, hear: false });
    expect(byCall.get("call-m")).toMatchObject({ participant_id: 3, is_moderator: true });
    for (const p of res.body.data) {
      for (const key of [
        "call_id",
        "conference_name",
        "conference_uuid",
        "switch_hostname",
        "floor",
        "hear",
        "speak",
        "talking",
        "mute_detect",
        "participant_id",
        "energy_level",
        "current_energy",
        "video",
        "is_moderator",
        "join_time",
        "duration",
      ]) {
        expect(p, key).toHaveProperty(key);
      }
    }
  });

  it("lists no participants, page_size 0, for a conference that is not running", async () => {
    const server = await startServer();
    const api = apiClient(server);
    const account = await createAccount(api);
    const id = await createConference(api, account);
    const res = await api.get(`/v2/accounts/${account.id}/conferences/${id}/participants`, {
      token: account.token,
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([]);
    expect(res.body.page_size).toBe(0);
  });

  it("reads one participant by its integer participant id and by its call id", async () => {
    const { api, conf, token } = await setup();
    const byId = await api.get(`${conf}/participants/3`, { token });
    expect(byId.status).toBe(200);
    expect(byId.body.data).toMatchObject({
      call_id: "call-m",
      participant_id: 3,
      is_moderator: true,
    });
    const byCall = await api.get(`${conf}/participants/call-m`, { token });
    expect(byCall.status).toBe(200);
    expect(byCall.body.data).toMatchObject({ call_id: "call-m", participant_id: 3 });
  });

  it("answers an unknown participant with 404 bad_identifier", async () => {
    const { api, conf, token } = await setup();
    for (const id of ["99", "no-such-call"]) {
      const res = await api.get(`${conf}/participants/${id}`, { token });
      expect(res.status, id).toBe(404);
      expectErrorEnvelope(res.body, 404, "bad_identifier");
      expect(res.body.data.cause).toBe(id);
    }
  });

  it("no longer finds a participant after del-member", async () => {
    const { api, conf, token, account, conferenceId, bus } = await setup();
    const { routingKey, body } = currentFeedEvent(
      "del-member",
      { accountId: account.id, conferenceId, callId: "call-a" },
      { participantId: 1 },
    );
    bus.publishEvent(routingKey, body);
    await expect
      .poll(async () => (await api.get(`${conf}/participants/1`, { token })).status)
      .toBe(404);
    expect((await api.get(`${conf}/participants`, { token })).body.data).toHaveLength(2);
  });
});

describe("acting on one participant", () => {
  for (const [action, applicationName] of participantActions) {
    it(`${action}: answers 201 "ok" and publishes exactly one ${applicationName} command`, async () => {
      const { api, conf, token, commands, conferenceId } = await setup();
      const res = await api.put(`${conf}/participants/1`, { token, body: { data: { action } } });
      expect(res.status).toBe(201);
      expect(res.body.status).toBe("success");
      expect(res.body.data).toBe("ok");
      expect(commands).toHaveLength(1);
      const [published] = commands;
      expect(published?.routingKey).toBe(`conference.command.${conferenceId}`);
      expect(published?.command).toMatchObject({
        "Event-Category": "conference",
        "Event-Name": "command",
        "Application-Name": applicationName,
        "Conference-ID": conferenceId,
        "Participant-ID": 1,
        "App-Name": "parley",
      });
      expect(typeof published?.command["Msg-ID"]).toBe("string");
    });
  }

  it("sends the integer participant id when the participant is addressed by call id", async () => {
    const { api, conf, token, commands } = await setup();
    const res = await api.put(`${conf}/participants/call-m`, {
      token,
      body: { data: { action: "deaf" } },
    });
    expect(res.status).toBe(201);
    expect(commands.map((c) => c.command["Participant-ID"])).toEqual([3]);
  });

  it("takes the action from the ?action= query string", async () => {
    const { api, conf, token, commands } = await setup();
    const emptyBody = await api.put(`${conf}/participants/2?action=unmute`, { token });
    expect(emptyBody.status).toBe(201);
    expect(emptyBody.body.data).toBe("ok");
    const emptyData = await api.put(`${conf}/participants/1?action=mute`, {
      token,
      body: { data: {} },
    });
    expect(emptyData.status).toBe(201);
    expect(
      commands.map((c) => [c.command["Application-Name"], c.command["Participant-ID"]]),
    ).toEqual([
      ["unmute_participant", 2],
      ["mute_participant", 1],
    ]);
  });

  it("answers an unknown or missing action with 404 faulty_request and publishes nothing", async () => {
    const { api, conf, token, commands } = await setup();
    for (const body of [{ data: { action: "explode" } }, { data: {} }, { data: { action: 5 } }]) {
      const res = await api.put(`${conf}/participants/1`, { token, body });
      expect(res.status, JSON.stringify(body)).toBe(404);
      expectErrorEnvelope(res.body, 404, "faulty_request");
      expect(res.body.data.message).toBe("faulty request");
    }
    const noBody = await api.put(`${conf}/participants/1`, { token });
    expect(noBody.status).toBe(404);
    expectErrorEnvelope(noBody.body, 404, "faulty_request");
    expect(commands).toEqual([]);
  });

  it("answers an action on an unknown participant with 404 and publishes nothing", async () => {
    const { api, conf, token, commands } = await setup();
    const res = await api.put(`${conf}/participants/99`, {
      token,
      body: { data: { action: "kick" } },
    });
    expect(res.status).toBe(404);
    expectErrorEnvelope(res.body, 404, "bad_identifier");
    expect(commands).toEqual([]);
  });
});

describe("acting on all participants", () => {
  it("mutes only non-moderators that are not already muted", async () => {
    const { api, conf, token, commands, conferenceId } = await setup();
    const res = await api.put(`${conf}/participants`, {
      token,
      body: { data: { action: "mute" } },
    });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("success");
    expect(res.body.data._read_only.affected_participants).toEqual([1]);
    expect(commands).toHaveLength(1);
    expect(commands[0]?.routingKey).toBe(`conference.command.${conferenceId}`);
    expect(commands[0]?.command).toMatchObject({
      "Event-Category": "conference",
      "Event-Name": "command",
      "Application-Name": "mute_participant",
      "Conference-ID": conferenceId,
      "Participant-ID": 1,
      "App-Name": "parley",
    });
  });

  it("unmutes, deafens and undeafens only the non-moderators whose state would change", async () => {
    const { api, conf, token, commands } = await setup();
    const sent = async (action: string) => {
      commands.length = 0;
      const res = await api.put(`${conf}/participants`, { token, body: { data: { action } } });
      expect(res.status).toBe(201);
      return {
        affected: [...res.body.data._read_only.affected_participants].sort(),
        commands: commands.map((c) => [c.command["Application-Name"], c.command["Participant-ID"]]),
      };
    };
    expect(await sent("unmute")).toEqual({
      affected: [2],
      commands: [["unmute_participant", 2]],
    });
    expect(await sent("deaf")).toEqual({ affected: [1], commands: [["deaf_participant", 1]] });
    expect(await sent("undeaf")).toEqual({
      affected: [2],
      commands: [["undeaf_participant", 2]],
    });
  });

  it("kicks every participant, moderators included", async () => {
    const { api, conf, token, commands, conferenceId } = await setup();
    const res = await api.put(`${conf}/participants`, {
      token,
      body: { data: { action: "kick" } },
    });
    expect(res.status).toBe(201);
    expect([...res.body.data._read_only.affected_participants].sort()).toEqual([1, 2, 3]);
    expect(commands).toHaveLength(3);
    for (const { routingKey, command } of commands) {
      expect(routingKey).toBe(`conference.command.${conferenceId}`);
      expect(command).toMatchObject({
        "Application-Name": "kick",
        "Conference-ID": conferenceId,
        "App-Name": "parley",
      });
    }
    expect(commands.map((c) => c.command["Participant-ID"]).sort()).toEqual([1, 2, 3]);
  });

  it("answers the bulk action with the conference document", async () => {
    const { api, conf, token, conferenceId } = await setup();
    const res = await api.put(`${conf}/participants`, {
      token,
      body: { data: { action: "mute" } },
    });
    expect(res.body.data).toMatchObject({ id: conferenceId, name: "Standup" });
  });

  it("takes the bulk action from the ?action= query string", async () => {
    const { api, conf, token, commands } = await setup();
    const res = await api.put(`${conf}/participants?action=mute`, { token });
    expect(res.status).toBe(201);
    expect(commands.map((c) => c.command["Participant-ID"])).toEqual([1]);
  });

  it("answers an unknown or missing bulk action with 404 faulty_request and publishes nothing", async () => {
    const { api, conf, token, commands } = await setup();
    for (const body of [{ data: { action: "explode" } }, { data: {} }]) {
      const res = await api.put(`${conf}/participants`, { token, body });
      expect(res.status, JSON.stringify(body)).toBe(404);
      expectErrorEnvelope(res.body, 404, "faulty_request");
      expect(res.body.data.message).toBe("faulty request");
    }
    expect((await api.put(`${conf}/participants`, { token })).status).toBe(404);
    expect(commands).toEqual([]);
  });

  it("publishes nothing for a bulk mute of a conference that is not running", async () => {
    const server = await startServer();
    const api = apiClient(server);
    const account = await createAccount(api);
    const id = await createConference(api, account);
    const commands = captureCommands(embeddedBus(server));
    const res = await api.put(`/v2/accounts/${account.id}/conferences/${id}/participants`, {
      token: account.token,
      body: { data: { action: "mute" } },
    });
    expect(res.status).toBe(201);
    expect(res.body.data._read_only.affected_participants).toEqual([]);
    expect(commands).toEqual([]);
  });
});

describe("conference actions", () => {
  it('locks with {"action":"lock","data":{}}: 201 "ok" and a lock command without Participant-ID', async () => {
    const { api, conf, token, commands, conferenceId } = await setup();
    const res = await api.put(conf, { token, body: { action: "lock", data: {} } });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("success");
    expect(res.body.data).toBe("ok");
    expect(commands).toHaveLength(1);
    expect(commands[0]?.routingKey).toBe(`conference.command.${conferenceId}`);
    expect(commands[0]?.command).toMatchObject({
      "Event-Category": "conference",
      "Event-Name": "command",
      "Application-Name": "lock",
      "Conference-ID": conferenceId,
      "App-Name": "parley",
    });
    expect(commands[0]?.command).not.toHaveProperty("Participant-ID");
  });

  it('unlocks with {"data":{"action":"unlock"}}: 201 "ok" and an unlock command', async () => {
    const { api, conf, token, commands, conferenceId } = await setup();
    const res = await api.put(conf, { token, body: { data: { action: "unlock" } } });
    expect(res.status).toBe(201);
    expect(res.body.data).toBe("ok");
    expect(commands).toHaveLength(1);
    expect(commands[0]?.command).toMatchObject({
      "Application-Name": "unlock",
      "Conference-ID": conferenceId,
    });
    expect(commands[0]?.command).not.toHaveProperty("Participant-ID");
  });

  it("locks a stored conference that is not running", async () => {
    const server = await startServer();
    const api = apiClient(server);
    const account = await createAccount(api);
    const id = await createConference(api, account);
    const commands = captureCommands(embeddedBus(server));
    const res = await api.put(`/v2/accounts/${account.id}/conferences/${id}`, {
      token: account.token,
      body: { action: "lock", data: {} },
    });
    expect(res.status).toBe(201);
    expect(commands.map((c) => c.command["Application-Name"])).toEqual(["lock"]);
  });

  it("locks an ad-hoc conference that runs without a stored document", async () => {
    const server = await startServer();
    const api = apiClient(server);
    const account = await createAccount(api);
    const adHoc = hexId();
    await joinParticipants(server, api, account, adHoc, [{ callId: "solo", participantId: 9 }]);
    const commands = captureCommands(embeddedBus(server));
    const res = await api.put(`/v2/accounts/${account.id}/conferences/${adHoc}`, {
      token: account.token,
      body: { data: { action: "lock" } },
    });
    expect(res.status).toBe(201);
    expect(commands[0]?.command).toMatchObject({
      "Application-Name": "lock",
      "Conference-ID": adHoc,
    });
  });

  it("answers an unknown or missing conference action with 404 faulty_request and publishes nothing", async () => {
    const { api, conf, token, commands } = await setup();
    for (const body of [
      { action: "explode", data: {} },
      { data: { action: "mute" } },
      { data: {} },
    ]) {
      const res = await api.put(conf, { token, body });
      expect(res.status, JSON.stringify(body)).toBe(404);
      expectErrorEnvelope(res.body, 404, "faulty_request");
      expect(res.body.data.message).toBe("faulty request");
    }
    expect(commands).toEqual([]);
  });

  it('refuses {"action":"lock"} without data with 400 and publishes nothing', async () => {
    const { api, conf, token, commands } = await setup();
    const res = await api.put(conf, { token, body: { action: "lock" } });
    expect(res.status).toBe(400);
    expectErrorEnvelope(res.body, 400, "validation error");
    expect(res.body.data.data).toHaveProperty("required");
    expect(commands).toEqual([]);
  });

  it("answers a conference action on an unknown conference with 404 and publishes nothing", async () => {
    const { api, account, token, commands } = await setup();
    const res = await api.put(`/v2/accounts/${account.id}/conferences/${hexId()}`, {
      token,
      body: { action: "lock", data: {} },
    });
    expect(res.status).toBe(404);
    expectErrorEnvelope(res.body, 404, "bad_identifier");
    expect(commands).toEqual([]);
  });
});
