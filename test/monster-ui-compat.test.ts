import { describe, expect, it } from "vitest";
import { apiClient, createAccount, createConference, type Json } from "./helpers/api";
import { currentFeedEvent, hexId, legacyRoutingKey, seedExampleEvent } from "./helpers/events";
import { testClock } from "./helpers/meetings";
import { startServer } from "./helpers/server";
import { connectWs } from "./helpers/ws-client";

/** What Kazoo's own clients (Monster UI's socket client and conference viewer) rely on. */
describe("Kazoo's clients pointed at parley", () => {
  it("accepts the WebSocket at the root, as blackhole's URL has no path, and still serves the dashboard there", async () => {
    const server = await startServer();
    const api = apiClient(server);
    const account = await createAccount(api);
    const conferenceId = hexId();
    const ws = await connectWs(server, "", "/");
    const binding = `conference.event.*.${conferenceId}.*`;
    const reply = await ws.request({
      action: "subscribe",
      auth_token: account.token,
      data: { account_id: account.id, binding },
    });
    expect(reply).toMatchObject({ status: "success", data: { subscribed: [binding] } });
    const { routingKey, body } = currentFeedEvent(
      "add-member",
      { accountId: account.id, conferenceId, callId: "call-1" },
      { participantId: 7 },
    );
    server.memoryBus?.publishEvent(routingKey, body);
    const [event] = await ws.events(1);
    expect(event).toMatchObject({ subscribed_key: binding, data: { event: "add-member" } });

    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
  });

  it("answers a conference read with the live figures in the envelope's metadata, as the conference viewer reads them", async () => {
    const server = await startServer();
    const api = apiClient(server);
    const account = await createAccount(api);
    const conferenceId = await createConference(api, account);
    const join = (callId: string, participantId: number, isModerator: boolean) => {
      const { routingKey, body } = currentFeedEvent(
        "add-member",
        { accountId: account.id, conferenceId, callId },
        { participantId, isModerator },
      );
      server.memoryBus?.publishEvent(routingKey, body);
    };
    join("member-1", 1, false);
    join("member-2", 2, false);
    join("moderator-1", 3, true);
    const lock = currentFeedEvent("lock", { accountId: account.id, conferenceId });
    server.memoryBus?.publishEvent(lock.routingKey, lock.body);
    const path = `/v2/accounts/${account.id}/conferences/${conferenceId}`;
    await expect
      .poll(async () => (await api.get(path, { token: account.token })).body.metadata)
      .toMatchObject({ members: 2, moderators: 1, admins: 1, is_locked: true });
    const read = await api.get(path, { token: account.token });
    expect(read.body.metadata).toEqual({
      members: 2,
      admins: 1,
      moderators: 1,
      duration: expect.any(Number),
      is_locked: true,
    });
    // The same figures stay under `_read_only` inside the document.
    const { participants, ...readOnly } = read.body.data._read_only;
    expect(readOnly).toEqual(read.body.metadata);
    expect(participants).toHaveLength(3);
    // The participants list the viewer also reads carries what it renders from.
    const list = await api.get(`${path}/participants`, { token: account.token });
    for (const participant of list.body.data as Json[]) {
      expect(participant).toMatchObject({
        participant_id: expect.any(Number),
        is_moderator: expect.any(Boolean),
        conference_channel_vars: {
          is_moderator: expect.any(Boolean),
          speak: expect.any(Boolean),
          hear: expect.any(Boolean),
          talking: expect.any(Boolean),
        },
      });
    }
  });

  it("pushes a legacy-form participant event with its state nested in conference_channel_vars too", async () => {
    const server = await startServer();
    const api = apiClient(server);
    const account = await createAccount(api);
    const conferenceId = hexId();
    const ws = await connectWs(server);
    const binding = `conference.event.${conferenceId}.*`;
    await ws.request({
      action: "subscribe",
      auth_token: account.token,
      data: { account_id: account.id, binding },
    });
    const event = seedExampleEvent({ accountId: account.id, conferenceId, callId: "moderator" });
    Object.assign(event, { is_moderator: true, speak: false });
    server.memoryBus?.publishEvent(legacyRoutingKey(conferenceId, "moderator"), event);
    const muted = seedExampleEvent({
      accountId: account.id,
      conferenceId,
      callId: "moderator",
      event: "mute-member",
    });
    delete muted.speak;
    server.memoryBus?.publishEvent(legacyRoutingKey(conferenceId, "moderator"), muted);
    const [added, mute] = await ws.events(2);
    expect(added.data.conference_channel_vars).toMatchObject({
      is_moderator: true,
      speak: false,
      hear: true,
      talking: false,
      member_id: 20,
    });
    // The flat fields stay where legacy clients read them.
    expect(added.data).toMatchObject({ is_moderator: true, speak: false });
    // An event that names the flag it changes carries it even without the flat field.
    expect(mute.data.conference_channel_vars).toMatchObject({ speak: false });

    // A client resuming from the log gets the same shape.
    const late = await connectWs(server);
    await late.request({
      action: "subscribe",
      auth_token: account.token,
      data: { account_id: account.id, binding, resume_from: 0 },
    });
    const replayed = await late.events(2);
    expect(replayed.map((f) => f.data)).toEqual([added.data, mute.data]);
  });

  it("checks each subscribe's token on an open socket: an expired one is refused while earlier bindings keep flowing", async () => {
    const clock = testClock();
    const server = await startServer({ PARLEY_TOKEN_TTL: "60" }, { now: clock.now });
    const api = apiClient(server);
    const account = await createAccount(api);
    const first = hexId();
    const second = hexId();
    const ws = await connectWs(server);
    const subscribe = (conferenceId: string, token?: string) =>
      ws.request({
        action: "subscribe",
        ...(token ? { auth_token: token } : {}),
        data: { account_id: account.id, binding: `conference.event.${conferenceId}.*` },
      });
    expect((await subscribe(first, account.token)).status).toBe("success");

    clock.advance(61_000);
    const refused = await subscribe(second, account.token);
    expect(refused.status).toBe("error");
    expect(refused.data.errors[0]).toMatch(/^failed to authenticate token/);
    // Without a token of its own, the socket's expired one is not good for a new binding either.
    const tokenless = await subscribe(second);
    expect(tokenless.status).toBe("error");
    expect(tokenless.data.errors[0]).toMatch(/^failed to authenticate token/);

    // The second conference's event goes first: once the first's arrives, it would have too.
    for (const conferenceId of [second, first]) {
      const { routingKey, body } = currentFeedEvent(
        "add-member",
        { accountId: account.id, conferenceId, callId: "call-1" },
        { participantId: 1 },
      );
      server.memoryBus?.publishEvent(routingKey, body);
    }
    const [flowing] = await ws.events(1);
    expect(flowing.data.conference_id).toBe(first);
    expect(
      ws.frames.filter((f) => f.action === "event" && f.data.conference_id === second),
    ).toEqual([]);

    // A fresh token subscribes again.
    const renewed = await api.put("/v2/api_auth", { body: { data: { api_key: account.apiKey } } });
    expect((await subscribe(second, renewed.body.auth_token)).status).toBe("success");
  });
});
