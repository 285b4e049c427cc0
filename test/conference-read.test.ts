import { describe, expect, it } from "vitest";
import { apiClient, createAccount, createConference, type Json } from "./helpers/api";
import { currentFeedEvent, type MemberState } from "./helpers/events";
import { embeddedBus, joinParticipants } from "./helpers/live";
import { startServer } from "./helpers/server";

/** A server whose clock moves only when the test moves it, with one conference of two callers. */
async function setup() {
  const clock = { now: Date.UTC(2026, 11, 7, 9, 0, 0, 250) };
  const server = await startServer({}, { now: () => clock.now });
  const api = apiClient(server);
  const account = await createAccount(api);
  const conferenceId = await createConference(api, account, { name: "Standup" });
  await joinParticipants(server, api, account, conferenceId, [
    { callId: "alice", participantId: 1 },
    { callId: "bob", participantId: 2 },
  ]);
  const path = `/v2/accounts/${account.id}/conferences/${conferenceId}`;
  const read = async () => {
    const res = await api.get(path, { token: account.token });
    expect(res.status).toBe(200);
    return res;
  };
  const publish = (event: string, callId: string, member: MemberState) => {
    const { routingKey, body } = currentFeedEvent(
      event,
      { accountId: account.id, conferenceId, callId },
      member,
    );
    embeddedBus(server).publishEvent(routingKey, body);
  };
  return { clock, api, account, path, read, publish };
}

const durations = (body: Json) => ({
  conference: body.data._read_only.duration,
  metadata: body.metadata.duration,
  participants: (body.data._read_only.participants as Json[]).map((p) => p.duration),
});

describe("reading one conference", () => {
  it("answers in the envelope every success answer has, keys in the same order, with its ETag", async () => {
    const { api, account, path, read } = await setup();
    const res = await read();
    const text = JSON.stringify(res.body);
    expect(Object.keys(res.body)).toEqual([
      "auth_token",
      "data",
      "node",
      "request_id",
      "revision",
      "status",
      "timestamp",
      "version",
      "metadata",
    ]);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("etag")).toBe(`"${res.body.revision}"`);
    expect(res.body.auth_token).toBe(account.token);
    expect(res.body.data._read_only.participants).toHaveLength(2);
    // A second read is the same conference with its own request id.
    const again = await api.get(path, { token: account.token });
    expect(again.body.request_id).not.toBe(res.body.request_id);
    expect(again.body.data).toEqual(res.body.data);
    expect(text.length).toBeGreaterThan(1000);
  });

  it("counts every duration on as the clock passes a second, though nothing else changed", async () => {
    const { clock, read } = await setup();
    const before = durations((await read()).body);
    clock.now += 999;
    const almost = durations((await read()).body);
    clock.now += 1;
    const after = durations((await read()).body);
    // Everyone joined at the same instant, so every duration ticks at the same time.
    expect(almost).toEqual(before);
    expect(after).toEqual({
      conference: before.conference + 1,
      metadata: before.metadata + 1,
      participants: before.participants.map((d: number) => d + 1),
    });
  });

  it("shows a change from the media server in the next read while the clock stands still", async () => {
    const { read, publish } = await setup();
    const speakOf = (body: Json, callId: string) =>
      (body.data._read_only.participants as Json[]).find((p) => p.call_id === callId)?.speak;
    expect(speakOf((await read()).body, "alice")).toBe(true);
    publish("mute-member", "alice", { participantId: 1, speak: false });
    await expect.poll(async () => speakOf((await read()).body, "alice")).toBe(false);
    publish("del-member", "bob", { participantId: 2 });
    await expect.poll(async () => (await read()).body.data._read_only.participants.length).toBe(1);
    expect((await read()).body.metadata).toMatchObject({ members: 1 });
  });

  it("shows an edit of the stored document in the next read, with its new revision", async () => {
    const { api, account, path, read } = await setup();
    const first = (await read()).body;
    const edited = await api.patch(path, {
      token: account.token,
      body: { data: { name: "Standup (moved)" } },
    });
    expect(edited.status).toBe(200);
    const second = (await read()).body;
    expect(second.data.name).toBe("Standup (moved)");
    expect(second.revision).not.toBe(first.revision);
    expect(second.data._read_only.participants).toHaveLength(2);
  });
});
