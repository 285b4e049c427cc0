import { describe, expect, it } from "vitest";
import { apiClient, createAccount, createConference } from "./helpers/api";
import { currentFeedEvent, hexId, legacyRoutingKey, seedExampleEvent } from "./helpers/events";
import { startServer } from "./helpers/server";
import { connectWs } from "./helpers/ws-client";

async function setup(env: Record<string, string> = {}) {
  const server = await startServer(env);
  const api = apiClient(server);
  const account = await createAccount(api);
  const bus = server.memoryBus;
  if (!bus) {
    throw new Error("expected the embedded bus");
  }
  return { server, api, account, bus };
}

/** Publishes seed 003's example event for call `c{i}` of `conferenceId` on the embedded bus. */
function publishCall(
  bus: Awaited<ReturnType<typeof setup>>["bus"],
  accountId: string,
  conferenceId: string,
  i: number,
): void {
  bus.publishEvent(
    legacyRoutingKey(conferenceId, `c${i}`),
    seedExampleEvent({ accountId, conferenceId, callId: `c${i}`, participantId: i }),
  );
}

const subscribe = (
  token: string | undefined,
  accountId: string,
  binding: string | string[],
  extra = {},
) => ({
  action: "subscribe",
  ...(token ? { auth_token: token } : {}),
  data: {
    account_id: accountId,
    ...(Array.isArray(binding) ? { bindings: binding } : { binding }),
    ...extra,
  },
});

describe("WebSocket feed", () => {
  it("pushes seed 003's example event to a conference.event.{conf}.* subscriber as a blackhole frame", async () => {
    const { server, account, bus } = await setup();
    const conferenceId = hexId();
    const ws = await connectWs(server);
    const binding = `conference.event.${conferenceId}.*`;
    const reply = await ws.request(subscribe(account.token, account.id, binding));
    expect(reply).toEqual({
      action: "reply",
      request_id: reply.request_id,
      status: "success",
      data: { subscribed: [binding] },
    });
    bus.publishEvent(
      legacyRoutingKey(conferenceId, "934800819"),
      seedExampleEvent({ accountId: account.id, conferenceId }),
    );
    const [frame] = await ws.events(1);
    expect(frame).toMatchObject({
      action: "event",
      subscribed_key: binding,
      subscription_key: `conference.event.*.${account.id}.${conferenceId}.*`,
      name: "participant_event",
      routing_key: legacyRoutingKey(conferenceId, "934800819"),
      data: {
        event: "add-member",
        call_id: "934800819",
        participant_id: 20,
        conference_id: conferenceId,
        custom_channel_vars: { account_id: account.id, username: "sip1" },
      },
    });
    expect(typeof frame.seq).toBe("number");
    expect(frame.data.node).toBeUndefined();
  });

  it("normalises Kazoo's current feed, nested channel vars included", async () => {
    const { server, account, bus } = await setup();
    const conferenceId = hexId();
    const ws = await connectWs(server);
    const binding = `conference.event.*.${conferenceId}.*`;
    await ws.request(subscribe(account.token, account.id, binding));
    const { routingKey, body } = currentFeedEvent(
      "mute-member",
      { accountId: account.id, conferenceId, callId: "call-9" },
      { participantId: 9, speak: false },
    );
    bus.publishEvent(routingKey, body);
    const [frame] = await ws.events(1);
    expect(frame.subscribed_key).toBe(binding);
    expect(frame.name).toBe("event");
    expect(frame.data.event).toBe("mute-member");
    expect(frame.data.conference_channel_vars).toMatchObject({ speak: false, member_id: 9 });
    expect(frame.data.custom_channel_vars).toMatchObject({ account_id: account.id });
  });

  it("accepts every binding form and selects by call and by event", async () => {
    const { server, account, bus } = await setup();
    const conferenceId = hexId();
    const ws = await connectWs(server);
    const forms = [
      `conference.event.${conferenceId}.call-1`,
      `conference.event.${conferenceId}.*.start-talking`,
      `conference.event.stop-talking.${conferenceId}.*`,
      "conference.event.*.*",
    ];
    const reply = await ws.request(subscribe(account.token, account.id, forms));
    expect(reply.data.subscribed).toEqual(forms);
    const send = (event: string, callId: string) => {
      const { routingKey, body } = currentFeedEvent(
        event,
        { accountId: account.id, conferenceId, callId },
        { participantId: 1, talking: event === "start-talking" },
      );
      bus.publishEvent(routingKey, body);
    };
    send("start-talking", "call-1");
    send("stop-talking", "call-2");
    const frames = await ws.events(5);
    const keys = frames.map((f) => `${f.data.event}@${f.subscribed_key}`).sort();
    expect(keys).toEqual(
      [
        `start-talking@conference.event.${conferenceId}.call-1`,
        `start-talking@conference.event.${conferenceId}.*.start-talking`,
        "start-talking@conference.event.*.*",
        `stop-talking@conference.event.stop-talking.${conferenceId}.*`,
        "stop-talking@conference.event.*.*",
      ].sort(),
    );
  });

  it("does not double events when the same binding is subscribed twice", async () => {
    const { server, account, bus } = await setup();
    const conferenceId = hexId();
    const ws = await connectWs(server);
    const binding = `conference.event.${conferenceId}.*`;
    await ws.request(subscribe(account.token, account.id, binding));
    const second = await ws.request(subscribe(undefined, account.id, binding));
    expect(second.data.subscribed).toEqual([binding]);
    bus.publishEvent(
      legacyRoutingKey(conferenceId, "934800819"),
      seedExampleEvent({ accountId: account.id, conferenceId }),
    );
    bus.publishEvent(
      legacyRoutingKey(conferenceId, "934800819"),
      seedExampleEvent({ accountId: account.id, conferenceId, event: "start-talking" }),
    );
    await ws.events(2);
    expect(ws.frames.filter((f) => f.action === "event")).toHaveLength(2);
  });

  it("replies to unsubscribe and ping, and stops pushing after unsubscribe", async () => {
    const { server, account, bus } = await setup();
    const conferenceId = hexId();
    const ws = await connectWs(server);
    const a = `conference.event.${conferenceId}.*`;
    const b = `conference.command.${conferenceId}`;
    await ws.request(subscribe(account.token, account.id, [a, b]));
    const unsub = await ws.request({
      action: "unsubscribe",
      data: { account_id: account.id, binding: a },
    });
    expect(unsub).toMatchObject({
      status: "success",
      data: { unsubscribed: [a], subscribed: [b] },
    });
    const pong = await ws.request({ action: "ping" });
    expect(pong).toMatchObject({ status: "success", data: { response: "pong" } });
    bus.publishEvent(
      legacyRoutingKey(conferenceId, "934800819"),
      seedExampleEvent({ accountId: account.id, conferenceId }),
    );
    // A later subscriber proves the event was processed; the unsubscribed socket got nothing.
    const witness = await connectWs(server);
    await witness.request(subscribe(account.token, account.id, a, { resume_from: 0 }));
    await witness.events(1);
    expect(ws.frames.filter((f) => f.action === "event")).toHaveLength(0);
  });

  it("answers blackhole's exact error strings", async () => {
    const { server, account, api } = await setup();
    const other = await createAccount(api, "Other");
    const theirs = await createConference(api, other);
    const ws = await connectWs(server);
    const errorsOf = async (message: Record<string, unknown>) => {
      const reply = await ws.request(message);
      expect(reply.status).toBe("error");
      expect(Array.isArray(reply.data.errors)).toBe(true);
      return reply.data.errors;
    };
    expect(await errorsOf(subscribe(undefined, account.id, "conference.event.x.*"))).toEqual([
      "authentication token required",
    ]);
    expect(await errorsOf(subscribe("bogus", account.id, "conference.event.x.*"))).toEqual([
      "failed to authenticate token bogus",
    ]);
    expect(await errorsOf({ ...subscribe(undefined, account.id, "x"), auth_token: 42 })).toEqual([
      "invalid authentication token format",
    ]);
    const t = account.token;
    expect(await errorsOf({ action: "subscribe", auth_token: t })).toEqual([
      "missing required keys in data object",
    ]);
    expect(await errorsOf({ action: "subscribe", data: { account_id: account.id } })).toEqual([
      "missing required keys : binding",
    ]);
    expect(await errorsOf({ action: "subscribe", data: { foo: 1 } })).toEqual([
      "missing required keys : account_id, binding",
    ]);
    expect(await errorsOf(subscribe(t, account.id, "conference.event.*.abc"))).toEqual([
      "ConferenceId required",
    ]);
    expect(await errorsOf(subscribe(t, account.id, "conference.command.*"))).toEqual([
      "ConferenceId required",
    ]);
    expect(await errorsOf(subscribe(t, account.id, "conference.event.abc"))).toEqual([
      "invalid format for conference subscription : event, abc",
    ]);
    expect(await errorsOf(subscribe(t, account.id, "conference.event.abc.*.explode"))).toEqual([
      "Unsupported conference event explode",
    ]);
    expect(await errorsOf(subscribe(t, account.id, "nosuchmodule.x.y"))).toEqual([
      "no available subscriptions to requested binding",
    ]);
    expect(await errorsOf(subscribe(t, other.id, "conference.event.abc.*"))).toEqual([
      "unauthorized account id",
    ]);
    expect(await errorsOf(subscribe(t, "*", "conference.event.abc.*"))).toEqual([
      "unauthorized wildcard account id",
    ]);
    expect(await errorsOf(subscribe(t, account.id, `conference.event.${theirs}.*`))).toEqual([
      `unauthorized conference id ${theirs}`,
    ]);
    expect(await errorsOf({ action: "dance" })).toEqual(["unknown action dance"]);
  });

  it("answers malformed JSON with an error reply and keeps the socket open", async () => {
    const { server } = await setup();
    const ws = await connectWs(server);
    ws.send("{not json");
    await expect.poll(() => ws.frames.length).toBe(1);
    expect(ws.frames[0]).toMatchObject({ status: "error", data: { errors: ["invalid JSON"] } });
    const pong = await ws.request({ action: "ping" });
    expect(pong.data.errors).toEqual(["authentication token required"]);
  });

  it("authenticates at upgrade with ?token= and refuses a bad one with 401", async () => {
    const { server, account } = await setup();
    const ws = await connectWs(server, `?token=${account.token}`);
    const reply = await ws.request({
      action: "subscribe",
      data: { account_id: account.id, binding: "conference.event.abc.*" },
    });
    expect(reply.status).toBe("success");
    await expect(connectWs(server, "?token=forged")).rejects.toThrow(/401/);
  });

  it("closes with 1003 on a binary frame and 1009 on a frame over 64 KiB", async () => {
    const { server } = await setup();
    const binary = await connectWs(server);
    binary.socket.send(Buffer.from([1, 2, 3]));
    expect((await binary.closed).code).toBe(1003);
    const big = await connectWs(server);
    big.send(JSON.stringify({ action: "ping", pad: "x".repeat(70 * 1024) }));
    expect((await big.closed).code).toBe(1009);
  });

  it("rate-limits a flood after a burst of 100 messages", async () => {
    const { server, account } = await setup();
    const ws = await connectWs(server, `?token=${account.token}`);
    for (let i = 0; i < 150; i += 1) {
      ws.send({ action: "ping", request_id: `p${i}` });
    }
    await expect.poll(() => ws.frames.length).toBe(150);
    const limited = ws.frames.filter((f) =>
      f.data.errors?.[0]?.startsWith("rate limiting threshold hit"),
    );
    expect(limited.length).toBeGreaterThanOrEqual(40);
    expect(ws.frames.filter((f) => f.data.response === "pong").length).toBeGreaterThanOrEqual(100);
  });

  it("replays missed events from resume_from without gaps or duplicates, then goes live", async () => {
    const { server, account, bus } = await setup();
    const conferenceId = hexId();
    const binding = `conference.event.${conferenceId}.*`;
    const first = await connectWs(server);
    await first.request(subscribe(account.token, account.id, binding));
    for (let i = 0; i < 5; i += 1) {
      publishCall(bus, account.id, conferenceId, i);
    }
    const seen = await first.events(5);
    const lastSeen = seen[1].seq;
    first.socket.terminate();
    for (let i = 5; i < 8; i += 1) {
      publishCall(bus, account.id, conferenceId, i);
    }
    const again = await connectWs(server);
    const reply = await again.request(
      subscribe(account.token, account.id, binding, { resume_from: lastSeen }),
    );
    expect(reply.status).toBe("success");
    publishCall(bus, account.id, conferenceId, 8);
    const frames = await again.events(7);
    const seqs = frames.map((f) => f.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(7);
    expect(frames.map((f) => f.data.call_id)).toEqual(["c2", "c3", "c4", "c5", "c6", "c7", "c8"]);
    const replyIndex = again.frames.findIndex((f) => f.action === "reply");
    const firstEvent = again.frames.findIndex((f) => f.action === "event");
    expect(replyIndex).toBeLessThan(firstEvent);
  });

  it("does not push live events a client resuming ahead of this node already has (a cluster node that lags)", async () => {
    const { server, account, bus } = await setup();
    const conferenceId = hexId();
    const binding = `conference.event.${conferenceId}.*`;
    const publish = (i: number) => publishCall(bus, account.id, conferenceId, i);
    const witness = await connectWs(server);
    await witness.request(subscribe(account.token, account.id, binding));
    publish(0);
    const [first] = await witness.events(1);
    // The client saw two more events on another node than this one has applied so far.
    const ahead = await connectWs(server);
    const reply = await ahead.request(
      subscribe(account.token, account.id, binding, { resume_from: first.seq + 2 }),
    );
    expect(reply.status).toBe("success");
    for (let i = 1; i <= 4; i += 1) {
      publish(i);
    }
    await witness.events(5);
    const frames = await ahead.events(2);
    expect(frames.map((f) => f.data.call_id)).toEqual(["c3", "c4"]);
    expect(frames.map((f) => f.seq)).toEqual([first.seq + 3, first.seq + 4]);
    expect(ahead.frames.filter((f) => f.action === "event")).toHaveLength(2);
  });

  it("pushes the commands parley sends to a conference.command.{conf} subscriber", async () => {
    const { server, api, account, bus } = await setup();
    const conferenceId = await createConference(api, account);
    const { routingKey, body } = currentFeedEvent(
      "add-member",
      { accountId: account.id, conferenceId, callId: "call-3" },
      { participantId: 3 },
    );
    bus.publishEvent(routingKey, body);
    const ws = await connectWs(server);
    await ws.request(subscribe(account.token, account.id, `conference.command.${conferenceId}`));
    await expect
      .poll(
        async () =>
          (
            await api.put(`/v2/accounts/${account.id}/conferences/${conferenceId}/participants/3`, {
              token: account.token,
              body: { data: { action: "mute" } },
            })
          ).status,
      )
      .toBe(201);
    const [frame] = await ws.events(1);
    expect(frame).toMatchObject({
      name: "command",
      routing_key: `conference.command.${conferenceId}`,
      subscribed_key: `conference.command.${conferenceId}`,
      data: {
        application_name: "mute_participant",
        participant_id: 3,
        conference_id: conferenceId,
      },
    });
  });

  it("never pushes another account's events to an account-wide binding", async () => {
    const { server, api, account, bus } = await setup();
    const other = await createAccount(api, "Other");
    const ws = await connectWs(server);
    await ws.request(subscribe(account.token, account.id, "conference.event.*.*"));
    const theirConference = hexId();
    bus.publishEvent(
      legacyRoutingKey(theirConference, "934800819"),
      seedExampleEvent({ accountId: other.id, conferenceId: theirConference }),
    );
    const mine = hexId();
    bus.publishEvent(
      legacyRoutingKey(mine, "934800819"),
      seedExampleEvent({ accountId: account.id, conferenceId: mine }),
    );
    const frames = await ws.events(1);
    expect(frames[0].data.conference_id).toBe(mine);
    expect(ws.frames.filter((f) => f.action === "event")).toHaveLength(1);
  });

  it("closes a socket that stops answering pings", async () => {
    const { server } = await setup({ WS_HEARTBEAT_MS: "100" });
    const ws = await connectWs(server);
    // Stop the client from answering pings, as a dead peer would.
    // biome-ignore lint/suspicious/noExplicitAny: reaching into ws to simulate a dead peer
    (ws.socket as any)._receiver.removeAllListeners("ping");
    ws.socket.pong = () => {};
    const closed = await ws.closed;
    expect(closed.code).toBe(1006);
    await expect.poll(() => server.gateway.connections).toBe(0);
  });
});

describe("WebSocket backpressure", () => {
  it("drops a client that stops reading, without holding back the others", async () => {
    const { server, account, bus } = await setup({ WS_MAX_BUFFERED_BYTES: "65536" });
    const conferenceId = hexId();
    const binding = `conference.event.${conferenceId}.*`;
    const stalled = await connectWs(server);
    const healthy = await connectWs(server);
    for (const ws of [stalled, healthy]) {
      await ws.request(subscribe(account.token, account.id, binding));
    }
    // The stalled client stops reading from its socket, as a frozen browser tab would.
    // biome-ignore lint/suspicious/noExplicitAny: reaching the raw TCP socket under ws
    (stalled.socket as any)._socket.pause();
    const total = 6000;
    const padding = "x".repeat(2000);
    for (let i = 0; i < total; i += 1) {
      const event = seedExampleEvent({
        accountId: account.id,
        conferenceId,
        callId: `c${i}`,
        participantId: i,
      });
      event.custom_channel_vars = { account_id: account.id, padding };
      bus.publishEvent(legacyRoutingKey(conferenceId, `c${i}`), event);
    }
    await healthy.events(total);
    await expect.poll(() => server.gateway.connections, { timeout: 10_000 }).toBe(1);
    // biome-ignore lint/suspicious/noExplicitAny: resume reading to observe the close
    (stalled.socket as any)._socket.resume();
    expect(stalled.frames.filter((f) => f.action === "event").length).toBeLessThan(total);
  });
});
