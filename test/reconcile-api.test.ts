import { describe, expect, it } from "vitest";
import { apiClient, createAccount, createConference, type Json } from "./helpers/api";
import { startBrokerServer } from "./helpers/broker";
import { startFakeMediaServer } from "./helpers/media-server";

const env = { RECONCILE_INTERVAL_SECONDS: "0", RECONCILE_TIMEOUT_MS: "300" };

/** parley on RabbitMQ with one account, a stored conference and a fake ecallmgr running it. */
async function setUp() {
  const { server, topology, probe } = await startBrokerServer(undefined, env);
  const api = apiClient(server);
  const account = await createAccount(api);
  const conferenceId = await createConference(api, account);
  const media = await startFakeMediaServer(topology, account.id);
  const base = `/v2/accounts/${account.id}/conferences/${conferenceId}`;
  const participants = async (): Promise<Array<[string, boolean]>> =>
    ((await api.get(`${base}/participants`, { token: account.token })).body.data as Json[])
      .map((p): [string, boolean] => [p.call_id, p.speak])
      .sort();
  const reconcile = (token = account.token, path = base) =>
    api.put(path, { token, body: { data: { action: "reconcile" } } });
  return { server, api, account, conferenceId, media, base, participants, reconcile, probe };
}

const changes = (body: Json) =>
  (body.data.changed as Json[]).map((c) => [c.event, c.call_id ?? c.conference_id]).sort();

describe("reconciliation on demand", () => {
  it("answers what changed, changes nothing the second time, and refuses what the caller may not see", async () => {
    const { api, account, conferenceId, media, base, participants, reconcile } = await setUp();
    media.join(conferenceId, { callId: "call-a", participantId: 1 }, { publish: true });
    media.join(conferenceId, { callId: "call-b", participantId: 2 }, { publish: true });
    await expect.poll(participants).toEqual([
      ["call-a", true],
      ["call-b", true],
    ]);

    // What the media server knows and parley never heard: a mute, a leave, a join.
    media.join(conferenceId, { callId: "call-a", participantId: 1, speak: false });
    media.leave(conferenceId, "call-b");
    media.join(conferenceId, { callId: "call-c", participantId: 3 });
    const first = await reconcile();
    expect(first.status).toBe(201);
    expect(first.body.status).toBe("success");
    expect(changes(first.body)).toEqual([
      ["add-member", "call-c"],
      ["del-member", "call-b"],
      ["mute-member", "call-a"],
    ]);
    expect(first.body.data).toMatchObject({ answers: 1, trigger: "api", skipped: [] });
    expect(await participants()).toEqual([
      ["call-a", false],
      ["call-c", true],
    ]);

    const again = await reconcile();
    expect(again.status).toBe(201);
    expect(again.body.data.changed).toEqual([]);
    expect(await participants()).toEqual([
      ["call-a", false],
      ["call-c", true],
    ]);

    const asked = media.requests.length;
    const other = await createAccount(api, "Globex");
    const theirs = await createConference(api, other);
    const unknown = await reconcile(account.token, `/v2/accounts/${account.id}/conferences/nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe("bad_identifier");
    const foreignToken = await reconcile(other.token);
    expect(foreignToken.status).toBe(403);
    const foreignConference = await reconcile(
      account.token,
      `/v2/accounts/${account.id}/conferences/${theirs}`,
    );
    expect(foreignConference.status).toBe(404);
    const otherAccount = await api.put(`/v2/accounts/${account.id}/reconcile`, {
      token: other.token,
    });
    expect(otherAccount.status).toBe(403);
    expect(media.requests.length).toBe(asked);
    expect(await participants()).toEqual([
      ["call-a", false],
      ["call-c", true],
    ]);

    // Other actions still reach the conference action handler.
    const unknownAction = await api.put(base, {
      token: account.token,
      body: { data: { action: "explode" } },
    });
    expect(unknownAction.status).toBe(404);
    expect(unknownAction.body.message).toBe("faulty_request");
  });

  it("finds a conference parley never heard of through the account search, and ends one nobody runs", async () => {
    const { api, account, conferenceId, media, participants } = await setUp();
    media.join(conferenceId, { callId: "call-a", participantId: 1 }, { publish: true });
    await expect.poll(participants).toEqual([["call-a", true]]);
    media.join("side-room", { callId: "call-x", participantId: 7, isModerator: true });
    media.leave(conferenceId, "call-a");

    const res = await api.put(`/v2/accounts/${account.id}/reconcile`, { token: account.token });
    expect(res.status).toBe(201);
    expect(changes(res.body)).toEqual([
      ["add-member", "call-x"],
      ["conference-create", "side-room"],
      ["conference-destroy", conferenceId],
      ["del-member", "call-a"],
    ]);
    const side = await api.get(`/v2/accounts/${account.id}/conferences/side-room`, {
      token: account.token,
    });
    expect(side.body.data._read_only).toMatchObject({ moderators: 1, members: 0 });
    // The answer said when the run began and when the caller joined: durations count from then.
    expect(side.body.data._read_only.duration).toBeGreaterThanOrEqual(59);
    expect(await participants()).toEqual([]);
    const again = await api.put(`/v2/accounts/${account.id}/reconcile`, { token: account.token });
    expect(again.body.data.changed).toEqual([]);
  });

  it("dead-letters malformed answers with their reason and changes nothing", async () => {
    const { media, conferenceId, participants, reconcile, probe } = await setUp();
    media.join(conferenceId, { callId: "call-a", participantId: 1 }, { publish: true });
    await expect.poll(participants).toEqual([["call-a", true]]);
    expect((await reconcile()).body.data.changed).toEqual([]);
    media.leave(conferenceId, "call-a");

    media.answerWith((request) => ({
      ...(media.ecallmgrAnswer(request) as object),
      "Event-Name": "search_resp",
      "Conference-ID": conferenceId,
      Participants: [{ "Call-ID": "call-z", "Participant-ID": "not a number" }],
    }));
    const malformed = await reconcile();
    expect(malformed.status).toBe(201);
    expect(malformed.body.data.changed).toEqual([]);
    expect(malformed.body.data.skipped).toEqual([
      { conference_id: conferenceId, reason: "an answer about it could not be read" },
    ]);

    media.answerWith(() => Buffer.from("{not json"));
    const garbage = await reconcile();
    expect(garbage.body.data.changed).toEqual([]);
    expect(garbage.body.data.skipped[0].reason).toBe("unreadable answers arrived while asking");
    expect(await participants()).toEqual([["call-a", true]]);

    const dead: Json[] = [];
    await expect
      .poll(async () => {
        dead.push(...(await probe.drainDeadLetters()));
        return dead.length;
      })
      .toBe(2);
    const reasons = dead.map((m) => String(m.properties.headers["x-parley-error"]));
    expect(reasons[0]).toMatch(/^invalid search_resp: participants\.0\.participant_id/);
    expect(reasons[1]).toBe("search reply body is not valid JSON");
  });
});
