import { createHash, randomBytes } from "node:crypto";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import type { ServerOverrides } from "../server/create-server";
import { version } from "../server/version";
import { apiClient, createAccount, createConference, type Json } from "./helpers/api";
import { currentFeedEvent, hexId, type MemberState } from "./helpers/events";
import { embeddedBus, joinParticipants } from "./helpers/live";
import { type ReceivedRequest, startReceiver } from "./helpers/receiver";
import { ADMIN_TOKEN, startServer } from "./helpers/server";
import {
  createWebhook,
  getDelivery,
  jsonBody,
  listDeliveries,
  signedHeaders,
  typeOf,
  verifyRequest,
  webhookPath,
} from "./helpers/webhooks";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
const iso = () => expect.stringMatching(ISO);

async function setup(env: Record<string, string> = {}, overrides: ServerOverrides = {}) {
  const server = await startServer(
    {
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
      WEBHOOK_RETRY_SCHEDULE: "0.05,0.05,0.05",
      ...env,
    },
    overrides,
  );
  const api = apiClient(server);
  const account = await createAccount(api);
  const bus = embeddedBus(server);
  const receiver = await startReceiver();
  /** Publishes one event of Kazoo's current feed on the embedded bus. */
  const feed = (event: string, conferenceId: string, callId?: string, member?: MemberState) => {
    const { routingKey, body } = currentFeedEvent(
      event,
      { accountId: account.id, conferenceId, ...(callId ? { callId } : {}) },
      member,
    );
    bus.publishEvent(routingKey, body);
    return body;
  };
  /** A subscription posting to `path` on the receiver (all events but talking by default). */
  const subscribe = (path: string, data: Record<string, unknown> = {}) =>
    createWebhook(api, account, { url: `${receiver.url}${path}`, event_types: ["*"], ...data });
  return { server, api, account, bus, receiver, feed, subscribe };
}

/** `type` plus the participant's call id, e.g. `meeting.participantJoined:call-1`. */
function labelOf(request: ReceivedRequest): string {
  const body = jsonBody(request);
  const peer = body.data?.participant?.peerId;
  return peer ? `${body.type}:${peer}` : body.type;
}

/** The conference a native request is about. */
function conferenceOf(request: ReceivedRequest): string | undefined {
  const data = jsonBody(request).data;
  return data?.meeting?.id ?? data?.conference?.id;
}

/** The keys and value types of a JSON value, recursively (seed 000's shapes, not its values). */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(shapeOf);
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, shapeOf(v)]),
    );
  }
  return value === null ? "null" : typeof value;
}

describe("webhook delivery over the embedded bus", () => {
  it("signs every request the Standard Webhooks way, verifiable with the standardwebhooks package", async () => {
    const { api, account, receiver, feed, subscribe } = await setup();
    const hook = await subscribe("/hook", {
      event_types: ["meeting.started", "meeting.participantJoined"],
    });
    const before = Math.floor(Date.now() / 1000);
    const conferenceId = hexId();
    feed("add-member", conferenceId, "call-1", { participantId: 1 });
    const got = await receiver.waitFor(2);
    const after = Math.ceil(Date.now() / 1000);

    for (const request of got) {
      expect(request.method).toBe("POST");
      expect(request.url).toBe("/hook");
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.headers["user-agent"]).toBe(`parley/${version}`);
      expect(request.headers["webhook-id"]).toMatch(/^msg_[A-Za-z0-9_]+$/);
      expect(request.headers["webhook-timestamp"]).toMatch(/^\d+$/);
      const timestamp = Number(request.headers["webhook-timestamp"]);
      expect(timestamp).toBeGreaterThanOrEqual(before);
      expect(timestamp).toBeLessThanOrEqual(after);
      expect(request.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
      expect(verifyRequest(request, hook.secret)).toEqual(JSON.parse(request.body));
    }
    expect(got.map(typeOf)).toEqual(["meeting.started", "meeting.participantJoined"]);
    expect(new Set(got.map((r) => r.headers["webhook-id"])).size).toBe(2);

    const [first] = got as [ReceivedRequest];
    const otherSecret = `whsec_${randomBytes(32).toString("base64")}`;
    expect(() => verifyRequest(first, otherSecret)).toThrow(WebhookVerificationError);
    expect(() =>
      verifyRequest({ ...first, body: first.body.replace("meeting", "Meeting") }, hook.secret),
    ).toThrow(WebhookVerificationError);

    // The delivery log names each delivery by the webhook-id it was sent with.
    await expect
      .poll(async () =>
        (await listDeliveries(api, account, hook.id)).map((d: Json) => d.status).join(),
      )
      .toBe("succeeded,succeeded");
    const log = await listDeliveries(api, account, hook.id);
    expect(log.map((d) => d.id).sort()).toEqual(got.map((r) => r.headers["webhook-id"]).sort());
    expect(log.map((d) => d.event_type)).toEqual(["meeting.participantJoined", "meeting.started"]);
    const newest = await listDeliveries(api, account, hook.id, "?limit=1");
    expect(newest.map((d) => d.id)).toEqual([log[0]?.id]);
    expect(await listDeliveries(api, account, hook.id, "?status=succeeded")).toHaveLength(2);
    expect(await listDeliveries(api, account, hook.id, "?status=pending")).toEqual([]);
    for (const delivery of log) {
      expect(delivery).toMatchObject({
        webhook_id: hook.id,
        event_id: expect.any(String),
        conference_id: conferenceId,
        seq: expect.any(Number),
        status: "succeeded",
        attempt_count: 1,
        last_status_code: 200,
        created: iso(),
        updated: iso(),
      });
      expect(delivery).toHaveProperty("next_attempt_at");
    }
  });

  it("describes a meeting's life in seed 001's native payloads: started, joined, muted, unmuted, deafened, undeafened, locked, unlocked, left, ended", async () => {
    const { api, account, receiver, feed, subscribe } = await setup();
    const hook = await subscribe("/hook", { event_types: ["*"] });
    const conferenceId = await createConference(api, account, { name: "Sales Weekly" });
    const started = Date.now();
    feed("add-member", conferenceId, "call-1", { participantId: 1 });
    feed("add-member", conferenceId, "call-2", { participantId: 2 });
    feed("mute-member", conferenceId, "call-1", { participantId: 1, speak: false });
    feed("unmute-member", conferenceId, "call-1", { participantId: 1, speak: true });
    feed("deaf-member", conferenceId, "call-2", { participantId: 2, hear: false });
    feed("undeaf-member", conferenceId, "call-2", { participantId: 2, hear: true });
    feed("lock", conferenceId);
    feed("unlock", conferenceId);
    feed("del-member", conferenceId, "call-1", { participantId: 1 });
    feed("del-member", conferenceId, "call-2", { participantId: 2 });

    const expected = [
      "conference.created",
      "meeting.started",
      "meeting.participantJoined:call-1",
      "meeting.participantJoined:call-2",
      "meeting.participantMuted:call-1",
      "meeting.participantUnmuted:call-1",
      "meeting.participantDeafened:call-2",
      "meeting.participantUndeafened:call-2",
      "meeting.locked",
      "meeting.unlocked",
      "meeting.participantLeft:call-1",
      "meeting.participantLeft:call-2",
      "meeting.ended",
    ];
    const got = await receiver.waitFor(expected.length);
    expect(got.map(labelOf)).toEqual(expected);
    for (const request of got) {
      expect(verifyRequest(request, hook.secret)).toBeDefined();
    }
    const bodies = got.map(jsonBody);
    for (const body of bodies) {
      expect(Object.keys(body).sort()).toEqual(["data", "timestamp", "type"]);
      expect(body.timestamp).toMatch(ISO);
      expect(body.data.event).toBe(body.type);
    }

    const meeting = {
      id: conferenceId,
      sessionId: expect.any(String),
      title: "Sales Weekly",
      status: "LIVE",
      createdAt: iso(),
      startedAt: iso(),
      organizedBy: { id: account.id, name: "Acme" },
    };
    const participant = (callId: string, n: number) => ({
      peerId: callId,
      userDisplayName: `Caller ${n}`,
      clientSpecificId: expect.any(String),
      customParticipantId: expect.any(String),
      joinedAt: iso(),
    });
    const [, startedBody, joined1, joined2, muted, unmuted, deafened, undeafened] = bodies;
    const [locked, unlocked, left1, left2, ended] = bodies.slice(8);

    expect(startedBody.data).toEqual({ event: "meeting.started", meeting });
    const sessionId = startedBody.data.meeting.sessionId;
    expect(sessionId).not.toBe("");
    expect(Date.parse(startedBody.data.meeting.startedAt)).toBeGreaterThanOrEqual(started - 1000);
    expect(Date.parse(startedBody.data.meeting.createdAt)).toBeLessThanOrEqual(
      Date.parse(startedBody.data.meeting.startedAt),
    );

    expect(joined1.data).toEqual({
      event: "meeting.participantJoined",
      meeting,
      participant: participant("call-1", 1),
    });
    expect(joined1.data.participant.clientSpecificId).toBe(
      joined1.data.participant.customParticipantId,
    );
    expect(joined1.data.participant.customParticipantId).not.toBe("");
    expect(joined2.data).toEqual({
      event: "meeting.participantJoined",
      meeting,
      participant: participant("call-2", 2),
    });
    expect(muted.data).toEqual({
      event: "meeting.participantMuted",
      meeting,
      participant: participant("call-1", 1),
    });
    expect(unmuted.data).toEqual({
      event: "meeting.participantUnmuted",
      meeting,
      participant: participant("call-1", 1),
    });
    expect(deafened.data).toEqual({
      event: "meeting.participantDeafened",
      meeting,
      participant: participant("call-2", 2),
    });
    expect(undeafened.data).toEqual({
      event: "meeting.participantUndeafened",
      meeting,
      participant: participant("call-2", 2),
    });
    expect(locked.data).toEqual({ event: "meeting.locked", meeting });
    expect(unlocked.data).toEqual({ event: "meeting.unlocked", meeting });
    expect(left1.data).toEqual({
      event: "meeting.participantLeft",
      meeting,
      participant: { ...participant("call-1", 1), leftAt: iso() },
    });
    expect(left2.data).toEqual({
      event: "meeting.participantLeft",
      meeting,
      participant: { ...participant("call-2", 2), leftAt: iso() },
    });
    expect(Date.parse(left1.data.participant.leftAt)).toBeGreaterThanOrEqual(
      Date.parse(left1.data.participant.joinedAt),
    );
    expect(ended.data).toEqual({
      event: "meeting.ended",
      meeting: { ...meeting, endedAt: iso() },
      reason: "ALL_PARTICIPANTS_LEFT",
    });
    for (const body of bodies.slice(1)) {
      expect(body.data.meeting.sessionId).toBe(sessionId);
    }
  });

  it("names an ad-hoc meeting by its conference id", async () => {
    const { account, receiver, feed, subscribe } = await setup();
    await subscribe("/hook", { event_types: ["meeting.started"] });
    const conferenceId = hexId();
    feed("add-member", conferenceId, "call-1", { participantId: 1 });
    const [request] = await receiver.waitFor(1);
    expect(jsonBody(request as ReceivedRequest).data.meeting).toMatchObject({
      id: conferenceId,
      title: conferenceId,
      organizedBy: { id: account.id, name: "Acme" },
    });
  });

  it("sends only participantJoined for a participant who joins already muted", async () => {
    const { api, account, receiver, feed, subscribe } = await setup();
    const hook = await subscribe("/hook", { event_types: ["*"] });
    const conferenceId = hexId();
    feed("add-member", conferenceId, "call-1", { participantId: 1, speak: false });
    feed("add-member", conferenceId, "call-2", { participantId: 2 });
    const got = await receiver.waitFor(3);
    expect(got.map(labelOf)).toEqual([
      "meeting.started",
      "meeting.participantJoined:call-1",
      "meeting.participantJoined:call-2",
    ]);
    const types = (await listDeliveries(api, account, hook.id)).map((d) => d.event_type);
    expect(types).not.toContain("meeting.participantMuted");
    expect(types).toHaveLength(3);
  });

  it("ends the meeting with HOST_ENDED_MEETING after an API kick of everyone", async () => {
    const { server, api, account, receiver, feed, subscribe } = await setup();
    const hook = await subscribe("/hook", {
      event_types: ["meeting.ended", "meeting.participantLeft"],
    });
    const conferenceId = await createConference(api, account, { name: "Board" });
    await joinParticipants(server, api, account, conferenceId, [
      { callId: "call-1", participantId: 1 },
      { callId: "call-2", participantId: 2 },
    ]);
    const kick = await api.put(
      `/v2/accounts/${account.id}/conferences/${conferenceId}/participants`,
      { token: account.token, body: { data: { action: "kick" } } },
    );
    expect(kick.status).toBe(201);
    // The media server obeys: both members leave.
    feed("del-member", conferenceId, "call-1", { participantId: 1 });
    feed("del-member", conferenceId, "call-2", { participantId: 2 });
    const got = await receiver.waitFor(3);
    expect(got.map(labelOf)).toEqual([
      "meeting.participantLeft:call-1",
      "meeting.participantLeft:call-2",
      "meeting.ended",
    ]);
    const ended = jsonBody(got[2] as ReceivedRequest);
    expect(ended.data.reason).toBe("HOST_ENDED_MEETING");
    expect(ended.data.meeting).toMatchObject({ id: conferenceId, title: "Board", endedAt: iso() });
    expect(verifyRequest(got[2] as ReceivedRequest, hook.secret)).toEqual(ended);
  });

  it("ends the meeting with HOST_ENDED_MEETING when the conference is destroyed with members in it", async () => {
    const { receiver, feed, subscribe } = await setup();
    await subscribe("/hook", { event_types: ["*"] });
    const conferenceId = hexId();
    feed("add-member", conferenceId, "call-1", { participantId: 1 });
    feed("conference-destroy", conferenceId);
    const got = await receiver.waitFor(4);
    expect(got.map(labelOf)).toEqual([
      "meeting.started",
      "meeting.participantJoined:call-1",
      "meeting.participantLeft:call-1",
      "meeting.ended",
    ]);
    const ended = jsonBody(got[3] as ReceivedRequest);
    expect(ended.data).toMatchObject({
      event: "meeting.ended",
      reason: "HOST_ENDED_MEETING",
      meeting: { id: conferenceId, endedAt: iso() },
    });
  });

  it("sends conference.created, conference.updated and conference.deleted with the document", async () => {
    const { api, account, receiver, subscribe } = await setup();
    const hook = await subscribe("/hook", {
      event_types: ["conference.created", "conference.updated", "conference.deleted"],
    });
    const conferenceId = await createConference(api, account, {
      name: "Sales Weekly",
      member: { numbers: ["1001"] },
    });
    const path = `/v2/accounts/${account.id}/conferences/${conferenceId}`;
    expect(
      (await api.patch(path, { token: account.token, body: { data: { name: "Renamed" } } })).status,
    ).toBe(200);
    expect((await api.delete(path, { token: account.token })).status).toBe(200);

    const got = await receiver.waitFor(3);
    expect(got.map(typeOf)).toEqual([
      "conference.created",
      "conference.updated",
      "conference.deleted",
    ]);
    const [created, updated, deleted] = got.map((r) => verifyRequest(r, hook.secret) as Json);
    for (const body of [created, updated, deleted]) {
      expect(Object.keys(body.data).sort()).toEqual(["conference", "event"]);
      expect(body.data.event).toBe(body.type);
    }
    expect(created.data.conference).toMatchObject({
      id: conferenceId,
      name: "Sales Weekly",
      member: { numbers: ["1001"] },
    });
    expect(updated.data.conference).toMatchObject({ id: conferenceId, name: "Renamed" });
    expect(deleted.data.conference).toMatchObject({ id: conferenceId, name: "Renamed" });
  });

  it("sends each subscription only the types it opted into: * never gets talking, an explicit talking subscription gets a coalesced burst", async () => {
    const { receiver, feed, subscribe } = await setup();
    await subscribe("/joined", { event_types: ["meeting.participantJoined"] });
    await subscribe("/all", { event_types: ["*"] });
    await subscribe("/talking", {
      event_types: [
        "meeting.participantTalkingStarted",
        "meeting.participantTalkingStopped",
        "meeting.ended",
      ],
    });
    const conferenceId = hexId();
    feed("add-member", conferenceId, "call-1", { participantId: 1 });
    // A burst well within 2 s: three starts and three stops.
    for (let i = 0; i < 3; i += 1) {
      feed("start-talking", conferenceId, "call-1", { participantId: 1, talking: true });
      feed("stop-talking", conferenceId, "call-1", { participantId: 1, talking: false });
    }
    feed("add-member", conferenceId, "call-2", { participantId: 2 });
    feed("del-member", conferenceId, "call-1", { participantId: 1 });
    feed("del-member", conferenceId, "call-2", { participantId: 2 });

    // Deliveries go out in order per endpoint and conference, so each endpoint's last expected
    // event proves everything before it has arrived.
    await receiver.waitFor(1, (r) => r.url === "/all" && typeOf(r) === "meeting.ended");
    await receiver.waitFor(1, (r) => r.url === "/talking" && typeOf(r) === "meeting.ended");
    await receiver.waitFor(2, (r) => r.url === "/joined");

    expect(receiver.on("/joined").map(labelOf)).toEqual([
      "meeting.participantJoined:call-1",
      "meeting.participantJoined:call-2",
    ]);
    expect(receiver.on("/all").map(labelOf)).toEqual([
      "meeting.started",
      "meeting.participantJoined:call-1",
      "meeting.participantJoined:call-2",
      "meeting.participantLeft:call-1",
      "meeting.participantLeft:call-2",
      "meeting.ended",
    ]);
    expect(receiver.on("/talking").map(labelOf)).toEqual([
      "meeting.participantTalkingStarted:call-1",
      "meeting.participantTalkingStopped:call-1",
      "meeting.ended",
    ]);
    const talking = jsonBody(receiver.on("/talking")[0] as ReceivedRequest);
    expect(talking.data).toEqual({
      event: "meeting.participantTalkingStarted",
      meeting: expect.objectContaining({ id: conferenceId, status: "LIVE" }),
      participant: expect.objectContaining({ peerId: "call-1", userDisplayName: "Caller 1" }),
    });
  });

  it("limits a subscription with conference_id to that conference", async () => {
    const { api, account, receiver, feed, subscribe } = await setup();
    const wanted = hexId();
    const other = hexId();
    const hook = await subscribe("/one", { event_types: ["*"], conference_id: wanted });
    const all = await subscribe("/all", { event_types: ["*"] });
    feed("add-member", other, "call-o", { participantId: 9 });
    feed("add-member", wanted, "call-w", { participantId: 1 });
    await receiver.waitFor(4, (r) => r.url === "/all");
    const got = await receiver.waitFor(2, (r) => r.url === "/one");
    expect(got.map(labelOf)).toEqual(["meeting.started", "meeting.participantJoined:call-w"]);
    expect(got.every((r) => conferenceOf(r) === wanted)).toBe(true);
    const log = await listDeliveries(api, account, hook.id);
    expect(log).toHaveLength(2);
    expect(log.every((d) => d.conference_id === wanted)).toBe(true);
    expect(await listDeliveries(api, account, all.id)).toHaveLength(4);
    expect(receiver.on("/one")).toHaveLength(2);
  });

  it("retries a failing endpoint with the same webhook-id and logs every attempt with its status code", async () => {
    const { api, account, receiver, feed, subscribe } = await setup();
    const hook = await subscribe("/flaky", { event_types: ["meeting.started"] });
    const longError = "x".repeat(3000);
    receiver.queue({ status: 500, body: longError }, { status: 500, body: "still down" });
    feed("add-member", hexId(), "call-1", { participantId: 1 });

    const got = await receiver.waitFor(3);
    expect(got.map((r) => r.answered)).toEqual([500, 500, 200]);
    const ids = new Set(got.map((r) => r.headers["webhook-id"]));
    expect(ids.size).toBe(1);
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    for (const request of got) {
      expect(verifyRequest(request, hook.secret)).toMatchObject({ type: "meeting.started" });
    }
    const [deliveryId] = [...ids] as [string];

    await expect
      .poll(async () => (await getDelivery(api, account, hook.id, deliveryId)).status)
      .toBe("succeeded");
    const delivery = await getDelivery(api, account, hook.id, deliveryId);
    expect(delivery).toMatchObject({
      id: deliveryId,
      webhook_id: hook.id,
      event_type: "meeting.started",
      status: "succeeded",
      attempt_count: 3,
      last_status_code: 200,
    });
    expect(delivery.attempts.map((a: Json) => a.status_code)).toEqual([500, 500, 200]);
    for (const attempt of delivery.attempts) {
      expect(attempt).toMatchObject({ at: iso(), duration_ms: expect.any(Number) });
      expect(attempt).toHaveProperty("error");
      expect(attempt).toHaveProperty("response");
    }
    expect(delivery.attempts[0].response).toBe(longError.slice(0, 1024));
    expect(delivery.attempts[1].response).toBe("still down");
    // The retries follow the 50 ms schedule (±20 %), not a default of seconds.
    const gap = (got[2] as ReceivedRequest).at - (got[0] as ReceivedRequest).at;
    expect(gap).toBeGreaterThanOrEqual(70);
    expect(gap).toBeLessThan(2000);
  });

  it("counts a redirect as a failure without following it, and any 2xx as a success", async () => {
    const { api, account, receiver, feed, subscribe } = await setup();
    const hook = await subscribe("/moved", { event_types: ["meeting.started"] });
    receiver.queue({ status: 302, headers: { location: "/elsewhere" } }, { status: 204 });
    feed("add-member", hexId(), "call-1", { participantId: 1 });
    const got = await receiver.waitFor(2);
    expect(got.map((r) => r.url)).toEqual(["/moved", "/moved"]);
    expect(got.map((r) => r.answered)).toEqual([302, 204]);
    expect(receiver.on("/elsewhere")).toEqual([]);
    const id = got[0]?.headers["webhook-id"] ?? "";
    await expect
      .poll(async () => (await getDelivery(api, account, hook.id, id)).status)
      .toBe("succeeded");
    const delivery = await getDelivery(api, account, hook.id, id);
    // Any 2xx is a success.
    expect(delivery.attempts.map((a: Json) => a.status_code)).toEqual([302, 204]);
    expect(delivery.last_status_code).toBe(204);
  });

  it("records a dropped connection as a failed attempt with an error and retries it", async () => {
    const { api, account, receiver, feed, subscribe } = await setup();
    const hook = await subscribe("/drop", { event_types: ["meeting.started"] });
    receiver.queue({ close: true });
    feed("add-member", hexId(), "call-1", { participantId: 1 });
    const got = await receiver.waitFor(2);
    expect(got.map((r) => r.answered)).toEqual(["closed", 200]);
    expect(got[0]?.headers["webhook-id"]).toBe(got[1]?.headers["webhook-id"]);
    const id = got[0]?.headers["webhook-id"] ?? "";
    await expect
      .poll(async () => (await getDelivery(api, account, hook.id, id)).status)
      .toBe("succeeded");
    const [failed, succeeded] = (await getDelivery(api, account, hook.id, id)).attempts;
    expect(failed.status_code).toBeNull();
    expect(failed.error).toEqual(expect.any(String));
    expect(failed.error).not.toBe("");
    expect(succeeded.status_code).toBe(200);
  });

  it("keeps a conference's events in order across retries without holding back other conferences or endpoints", async () => {
    const { api, account, receiver, feed, subscribe } = await setup({
      WEBHOOK_RETRY_SCHEDULE: Array.from({ length: 40 }, () => "0.05").join(","),
    });
    const slow = await subscribe("/a", { event_types: ["*"] });
    await subscribe("/b", { event_types: ["*"] });
    const x = hexId();
    const y = hexId();
    const xExpected = [
      "meeting.started",
      "meeting.participantJoined:x1",
      "meeting.participantJoined:x2",
      "meeting.participantJoined:x3",
      "meeting.participantJoined:x4",
      "meeting.participantMuted:x1",
    ];
    // On /a, X's first event fails at least twice, and until Y's events reached /a and all of X's
    // reached /b: if either were held back behind it, it could never succeed.
    receiver.setResponder((request, earlier) => {
      if (
        request.url !== "/a" ||
        conferenceOf(request) !== x ||
        typeOf(request) !== "meeting.started"
      ) {
        return undefined;
      }
      const tries = earlier.filter(
        (r) => r.headers["webhook-id"] === request.headers["webhook-id"],
      );
      const yOnA = earlier.filter((r) => r.url === "/a" && conferenceOf(r) === y).length;
      const xOnB = earlier.filter((r) => r.url === "/b" && conferenceOf(r) === x).length;
      return tries.length < 2 || yOnA < 2 || xOnB < xExpected.length ? { status: 503 } : undefined;
    });
    for (const n of [1, 2, 3, 4]) {
      feed("add-member", x, `x${n}`, { participantId: n });
    }
    feed("mute-member", x, "x1", { participantId: 1, speak: false });
    feed("add-member", y, "y1", { participantId: 11 });

    await receiver.waitFor(
      xExpected.length,
      (r) => r.url === "/a" && conferenceOf(r) === x && r.answered === 200,
    );
    const onA = receiver.on("/a");
    const xOnA = onA.filter((r) => conferenceOf(r) === x);
    const firstSuccess = xOnA.findIndex((r) => r.answered === 200);
    const failures = xOnA.slice(0, firstSuccess);
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(failures.every((r) => typeOf(r) === "meeting.started")).toBe(true);
    expect(new Set(xOnA.slice(0, firstSuccess + 1).map((r) => r.headers["webhook-id"])).size).toBe(
      1,
    );
    // After the first event finally succeeded, the rest follow once each, in order.
    expect(xOnA.slice(firstSuccess).map(labelOf)).toEqual(xExpected);
    expect(xOnA.slice(firstSuccess).every((r) => r.answered === 200)).toBe(true);

    // Y's events on /a arrived while X's first event was still failing.
    const xStartedAt = (xOnA[firstSuccess] as ReceivedRequest).at;
    const yOnA = onA.filter((r) => conferenceOf(r) === y);
    expect(yOnA.map(labelOf)).toEqual(["meeting.started", "meeting.participantJoined:y1"]);
    expect(yOnA.every((r) => r.at <= xStartedAt)).toBe(true);
    // The other endpoint got all of X's events, in order, before /a's first one succeeded.
    const xOnB = receiver.on("/b").filter((r) => conferenceOf(r) === x);
    expect(xOnB.map(labelOf)).toEqual(xExpected);
    expect(xOnB.every((r) => r.at <= xStartedAt)).toBe(true);

    const log = await listDeliveries(api, account, slow.id, "?limit=1000");
    const started = log.find((d) => d.conference_id === x && d.event_type === "meeting.started");
    expect(started).toMatchObject({ status: "succeeded" });
    expect(started.attempt_count).toBe(firstSuccess + 1);
  });

  it("marks a delivery dead after the schedule, then sends it again on retry and on recover", async () => {
    const { api, account, receiver, feed, subscribe } = await setup();
    const hook = await subscribe("/down", { event_types: ["meeting.started"] });
    receiver.setDefault({ status: 500 });
    const createdAfter = Math.floor(Date.now() / 1000) - 1;
    feed("add-member", hexId(), "call-1", { participantId: 1 });
    feed("add-member", hexId(), "call-2", { participantId: 2 });

    await expect
      .poll(async () => (await listDeliveries(api, account, hook.id, "?status=dead")).length)
      .toBe(2);
    const dead = await listDeliveries(api, account, hook.id, "?status=dead");
    for (const delivery of dead) {
      // Three retries after the first attempt: four attempts, then dead.
      expect(delivery).toMatchObject({ status: "dead", attempt_count: 4, last_status_code: 500 });
      expect(receiver.requests.filter((r) => r.headers["webhook-id"] === delivery.id)).toHaveLength(
        4,
      );
      const detail = await getDelivery(api, account, hook.id, delivery.id);
      expect(detail.attempts.map((a: Json) => a.status_code)).toEqual([500, 500, 500, 500]);
    }
    expect(await listDeliveries(api, account, hook.id, "?status=retrying")).toEqual([]);
    const [first, second] = dead as [Json, Json];
    receiver.setDefault({ status: 200 });

    const retried = await api.put(`${webhookPath(account, hook.id)}/deliveries/${first.id}`, {
      token: account.token,
      body: { data: { action: "retry" } },
    });
    expect(retried.status).toBe(201);
    await receiver.waitFor(1, (r) => r.headers["webhook-id"] === first.id && r.answered === 200);
    await expect
      .poll(async () => (await getDelivery(api, account, hook.id, first.id)).status)
      .toBe("succeeded");
    expect((await getDelivery(api, account, hook.id, second.id)).status).toBe("dead");

    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await api.put(webhookPath(account, hook.id), {
      token: account.token,
      body: { data: { action: "recover", since: future } },
    });
    expect(none.status).toBe(201);
    expect(none.body.data.recovered).toBe(0);

    const recovered = await api.put(webhookPath(account, hook.id), {
      token: account.token,
      body: { data: { action: "recover", since: createdAfter } },
    });
    expect(recovered.status).toBe(201);
    expect(recovered.body.data.recovered).toBe(1);
    const resent = await receiver.waitFor(
      1,
      (r) => r.headers["webhook-id"] === second.id && r.answered === 200,
    );
    expect(verifyRequest(resent[0] as ReceivedRequest, hook.secret)).toMatchObject({
      type: "meeting.started",
    });
    await expect
      .poll(async () => (await getDelivery(api, account, hook.id, second.id)).status)
      .toBe("succeeded");
    for (const delivery of [first, second]) {
      expect(receiver.requests.filter((r) => r.headers["webhook-id"] === delivery.id)).toHaveLength(
        5,
      );
    }

    const isoSince = await api.put(webhookPath(account, hook.id), {
      token: account.token,
      body: { data: { action: "recover", since: new Date(createdAfter * 1000).toISOString() } },
    });
    expect(isoSince.status).toBe(201);
    expect(isoSince.body.data.recovered).toBe(0);
  });

  it("honours Retry-After within [base, 2×base] of the schedule", async () => {
    const { receiver, feed, subscribe } = await setup({ WEBHOOK_RETRY_SCHEDULE: "0.5,0.5" });
    await subscribe("/busy", { event_types: ["meeting.started"] });
    receiver.queue({ status: 503, retryAfter: 3600 }, { status: 503, retryAfter: 0 });
    feed("add-member", hexId(), "call-1", { participantId: 1 });
    const [first, second, third] = (await receiver.waitFor(3)) as [
      ReceivedRequest,
      ReceivedRequest,
      ReceivedRequest,
    ];
    expect(third.answered).toBe(200);
    // Retry-After: 3600 is capped at 2 × 0.5 s.
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
    expect(second.at - first.at).toBeLessThan(1600);
    // Retry-After: 0 is raised to the base of 0.5 s.
    expect(third.at - second.at).toBeGreaterThanOrEqual(390);
    expect(third.at - second.at).toBeLessThan(1000);
  });

  it("disables the endpoint at once on 410 Gone, and re-enabling it sends what was held back", async () => {
    const { api, account, receiver, feed, subscribe, server } = await setup();
    const hook = await subscribe("/gone", { event_types: ["*"] });
    receiver.setDefault({ status: 410 });
    const conferenceId = hexId();
    feed("add-member", conferenceId, "call-1", { participantId: 1 });
    const path = webhookPath(account, hook.id);
    await expect
      .poll(async () => (await api.get(path, { token: account.token })).body.data.enabled)
      .toBe(false);
    const disabled = (await api.get(path, { token: account.token })).body.data;
    expect(disabled.disabled_reason).toMatch(/410/);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.answered).toBe(410);

    const log = await listDeliveries(api, account, hook.id);
    expect(log.map((d) => [d.event_type, d.status])).toEqual([
      ["meeting.participantJoined", "pending"],
      ["meeting.started", "dead"],
    ]);
    expect(log[1]).toMatchObject({ attempt_count: 1, last_status_code: 410 });

    // A disabled endpoint gets no new deliveries.
    await joinParticipants(server, api, account, conferenceId, [
      { callId: "call-2", participantId: 2 },
    ]);
    expect(await listDeliveries(api, account, hook.id)).toHaveLength(2);

    receiver.setDefault({ status: 200 });
    const enabled = await api.patch(path, {
      token: account.token,
      body: { data: { enabled: true } },
    });
    expect(enabled.status).toBe(200);
    expect(enabled.body.data.enabled).toBe(true);
    expect(enabled.body.data).not.toHaveProperty("disabled_reason");
    const resumed = await receiver.waitFor(1, (r) => r.answered === 200);
    expect(resumed.map(labelOf)).toEqual(["meeting.participantJoined:call-1"]);
    expect(resumed[0]?.headers["webhook-id"]).toBe(log[0].id);
  });

  it("disables an endpoint that has had no success for WEBHOOK_DISABLE_AFTER_HOURS", async () => {
    const { api, account, receiver, feed, subscribe } = await setup({
      WEBHOOK_DISABLE_AFTER_HOURS: "0.001",
      WEBHOOK_RETRY_SCHEDULE: Array.from({ length: 30 }, () => "0.5").join(","),
    });
    const hook = await subscribe("/failing", { event_types: ["meeting.started"] });
    receiver.setDefault({ status: 500 });
    feed("add-member", hexId(), "call-1", { participantId: 1 });
    const path = webhookPath(account, hook.id);
    await expect
      .poll(async () => (await api.get(path, { token: account.token })).body.data.enabled, {
        timeout: 15_000,
        interval: 100,
      })
      .toBe(false);
    const data = (await api.get(path, { token: account.token })).body.data;
    expect(data.disabled_reason).toEqual(expect.any(String));
    expect(data.disabled_reason).not.toBe("");
    expect(data.disabled_reason).not.toMatch(/410/);
    const first = receiver.requests[0] as ReceivedRequest;
    const last = receiver.requests.at(-1) as ReceivedRequest;
    // 0.001 h is 3.6 s of nothing but failures.
    expect(last.at - first.at).toBeGreaterThanOrEqual(3400);
    expect(receiver.requests.every((r) => r.answered === 500)).toBe(true);
  });

  it("gives up on an endpoint that does not answer within 10 s and retries", async () => {
    const { api, account, receiver, feed, subscribe } = await setup({
      WEBHOOK_RETRY_SCHEDULE: "0.05",
    });
    const hook = await subscribe("/slow", { event_types: ["meeting.started"] });
    receiver.queue({ status: 200, delayMs: 12_000 });
    feed("add-member", hexId(), "call-1", { participantId: 1 });
    const got = (await receiver.waitFor(2, undefined, 15_000)) as [
      ReceivedRequest,
      ReceivedRequest,
    ];
    expect(got[1].at - got[0].at).toBeGreaterThanOrEqual(9_500);
    expect(got[1].at - got[0].at).toBeLessThan(11_900);
    const id = got[0].headers["webhook-id"] ?? "";
    expect(got[1].headers["webhook-id"]).toBe(id);
    // webhook-timestamp is the time of each attempt, and each attempt is signed for it.
    const stamps = got.map((r) => Number(r.headers["webhook-timestamp"]));
    expect((stamps[1] ?? 0) - (stamps[0] ?? 0)).toBeGreaterThanOrEqual(9);
    expect(verifyRequest(got[1], hook.secret)).toMatchObject({
      type: "meeting.started",
    });
    await expect
      .poll(async () => (await getDelivery(api, account, hook.id, id)).status)
      .toBe("succeeded");
    const [timedOut, ok] = (await getDelivery(api, account, hook.id, id)).attempts;
    expect(timedOut.status_code).toBeNull();
    expect(timedOut.error).toMatch(/time/i);
    expect(timedOut.duration_ms).toBeGreaterThanOrEqual(9_500);
    expect(ok.status_code).toBe(200);
  }, 30_000);

  it("sends a webhook.ping on the ping action, signed like any delivery", async () => {
    const { api, account, receiver, subscribe } = await setup();
    const hook = await subscribe("/ping", { event_types: ["meeting.started"] });
    const res = await api.put(webhookPath(account, hook.id), {
      token: account.token,
      body: { data: { action: "ping" } },
    });
    expect(res.status).toBe(201);
    expect(res.body.data.delivery_id).toMatch(/^msg_/);
    const [request] = (await receiver.waitFor(1)) as [ReceivedRequest];
    expect(request.headers["webhook-id"]).toBe(res.body.data.delivery_id);
    const body = verifyRequest(request, hook.secret) as Json;
    expect(body).toMatchObject({ type: "webhook.ping", timestamp: iso() });
    expect(body.data.event).toBe("webhook.ping");
    await expect
      .poll(
        async () => (await getDelivery(api, account, hook.id, res.body.data.delivery_id)).status,
      )
      .toBe("succeeded");
  });

  it("signs with both the new and the old secret after rotate_secret, so either verifies", async () => {
    const { api, account, receiver, subscribe } = await setup();
    const hook = await subscribe("/rotate", { event_types: ["*"] });
    const path = webhookPath(account, hook.id);
    const ping = () => api.put(path, { token: account.token, body: { data: { action: "ping" } } });

    await ping();
    const [before] = (await receiver.waitFor(1)) as [ReceivedRequest];
    expect(before.headers["webhook-signature"]?.split(" ")).toHaveLength(1);

    const rotated = await api.put(path, {
      token: account.token,
      body: { data: { action: "rotate_secret" } },
    });
    expect(rotated.status).toBe(201);
    const newSecret: string = rotated.body.data.secret;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(hook.secret);

    await ping();
    const after = (await receiver.waitFor(2))[1] as ReceivedRequest;
    const signatures = after.headers["webhook-signature"]?.split(" ") ?? [];
    expect(signatures).toHaveLength(2);
    expect(signatures.every((s) => /^v1,[A-Za-z0-9+/]+={0,2}$/.test(s))).toBe(true);
    expect(verifyRequest(after, newSecret)).toMatchObject({ type: "webhook.ping" });
    expect(verifyRequest(after, hook.secret)).toMatchObject({ type: "webhook.ping" });
    // Each signature on its own matches exactly one of the two secrets.
    for (const secret of [newSecret, hook.secret]) {
      const matching = signatures.filter((signature) => {
        try {
          verifyRequest(
            { ...after, headers: { ...signedHeaders(after), "webhook-signature": signature } },
            secret,
          );
          return true;
        } catch {
          return false;
        }
      });
      expect(matching).toHaveLength(1);
    }
    const stranger = `whsec_${randomBytes(32).toString("base64")}`;
    expect(() => verifyRequest(after, stranger)).toThrow(WebhookVerificationError);
  });

  it("stops signing with the old secret 24 h after rotate_secret", async () => {
    let shift = 0;
    const { api, account, receiver, subscribe } = await setup(
      {},
      { now: () => Date.now() + shift },
    );
    const hook = await subscribe("/rotate", { event_types: ["*"] });
    const path = webhookPath(account, hook.id);
    const rotated = await api.put(path, {
      token: account.token,
      body: { data: { action: "rotate_secret" } },
    });
    const newSecret: string = rotated.body.data.secret;

    shift = 24 * 3_600_000 + 60_000;
    // Account tokens have expired on the shifted clock; the admin token has not.
    const ping = await api.put(path, { token: ADMIN_TOKEN, body: { data: { action: "ping" } } });
    expect(ping.status).toBe(201);
    const [request] = (await receiver.waitFor(1)) as [ReceivedRequest];
    const signatures = request.headers["webhook-signature"]?.split(" ") ?? [];
    expect(signatures).toHaveLength(1);
    // The timestamp is a day ahead of this process's clock, so compute the expected signatures
    // with the package's signer instead of its time-checking verify().
    const id = request.headers["webhook-id"] ?? "";
    const at = new Date(Number(request.headers["webhook-timestamp"]) * 1000);
    expect(signatures[0]).toBe(new Webhook(newSecret).sign(id, at, request.body));
    expect(signatures[0]).not.toBe(new Webhook(hook.secret).sign(id, at, request.body));
  });

  it("posts bbb-webhooks' form bodies with seed 000's fields and a checksum that verifies", async () => {
    const { api, account, receiver, feed, subscribe } = await setup();
    const bbbSecret = "bbb-shared-secret-330";
    const hook = await subscribe("/bbb", {
      format: "bbb",
      event_types: ["*"],
      bbb_secret: bbbSecret,
    });
    const callbackUrl = `${receiver.url}/bbb`;
    const conferenceId = await createConference(api, account, {
      name: "Sales Weekly",
      member: { numbers: ["1001"] },
    });
    const started = Date.now();
    feed("add-member", conferenceId, "call-1", { participantId: 1, isModerator: true });
    feed("add-member", conferenceId, "call-2", { participantId: 2 });
    feed("mute-member", conferenceId, "call-1", {
      participantId: 1,
      isModerator: true,
      speak: false,
    });
    feed("unmute-member", conferenceId, "call-1", {
      participantId: 1,
      isModerator: true,
      speak: true,
    });
    feed("lock", conferenceId);
    feed("deaf-member", conferenceId, "call-2", { participantId: 2, hear: false });
    feed("del-member", conferenceId, "call-2", { participantId: 2 });
    feed("del-member", conferenceId, "call-1", { participantId: 1, isModerator: true });

    const expected = [
      ["meeting-created", undefined],
      ["user-joined", "call-1"],
      ["user-audio-voice-enabled", "call-1"],
      ["user-joined", "call-2"],
      ["user-audio-voice-enabled", "call-2"],
      ["user-audio-muted", "call-1"],
      ["user-audio-unmuted", "call-1"],
      ["user-audio-voice-disabled", "call-2"],
      ["user-left", "call-2"],
      ["user-audio-voice-disabled", "call-1"],
      ["user-left", "call-1"],
      ["meeting-ended", undefined],
    ] as const;
    const got = await receiver.waitFor(expected.length);
    const events = got.map((request) => {
      expect(request.method).toBe("POST");
      expect(request.headers["content-type"]).toBe(
        "application/x-www-form-urlencoded;charset=UTF-8",
      );
      const checksum = createHash("sha1")
        .update(`${callbackUrl}${request.body}${bbbSecret}`)
        .digest("hex");
      expect(request.url).toBe(`/bbb?checksum=${checksum}`);
      expect(verifyRequest(request, hook.secret, false)).toBeUndefined();
      const form = new URLSearchParams(request.body);
      expect([...form.keys()]).toEqual(["domain", "event", "timestamp"]);
      expect(form.get("domain")).not.toBe("");
      expect(form.get("timestamp")).toMatch(/^\d{13}$/);
      expect(Number(form.get("timestamp"))).toBeGreaterThanOrEqual(started - 1000);
      const list = JSON.parse(form.get("event") ?? "null");
      expect(Array.isArray(list)).toBe(true);
      expect(list).toHaveLength(1);
      return list[0] as Json;
    });
    expect(events.map((e) => [e.data.id, e.data.attributes.user?.["internal-user-id"]])).toEqual(
      expected.map(([id, user]) => [id, user]),
    );

    const byId = (id: string, user?: string) =>
      events.find(
        (e) =>
          e.data.id === id &&
          (user === undefined || e.data.attributes.user?.["internal-user-id"] === user),
      ) as Json;
    const withoutMetadata = (event: Json) => {
      const copy = structuredClone(event);
      if (copy.data.attributes.meeting?.metadata) {
        copy.data.attributes.meeting.metadata = {};
      }
      return copy;
    };
    // Field for field: every key of seed 000's example, with the same value types.
    for (const [id, user] of [
      ["meeting-created", undefined],
      ["user-joined", "call-1"],
      ["user-audio-voice-enabled", "call-1"],
      ["user-audio-voice-disabled", "call-1"],
      ["user-left", "call-1"],
      ["meeting-ended", undefined],
    ] as const) {
      const seed = seed000[id];
      expect(shapeOf(withoutMetadata(byId(id, user))), id).toEqual(shapeOf(withoutMetadata(seed)));
    }
    // user-audio-muted/unmuted are bbb's voice events: the same shape as user-audio-voice-enabled.
    for (const id of ["user-audio-muted", "user-audio-unmuted"]) {
      expect(shapeOf(byId(id)), id).toEqual(shapeOf(seed000["user-audio-voice-enabled"]));
    }

    const created = byId("meeting-created").data.attributes;
    expect(created.meeting).toMatchObject({
      name: "Sales Weekly",
      "external-meeting-id": conferenceId,
      "internal-meeting-id": expect.any(String),
      "is-breakout": false,
    });
    expect(created.meeting["create-date"]).toMatch(
      /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}$/,
    );
    expect(created.meeting["create-time"]).toBeGreaterThanOrEqual(started - 1000);
    expect(typeof created.meeting.metadata).toBe("object");
    const internalId = created.meeting["internal-meeting-id"];
    for (const event of events) {
      expect(event.data.type).toBe("event");
      expect(event.data.attributes.meeting).toMatchObject({
        "external-meeting-id": conferenceId,
        "internal-meeting-id": internalId,
      });
      expect(event.data.attributes.event.ts).toBeGreaterThanOrEqual(started - 1000);
    }
    expect(byId("user-joined", "call-1").data.attributes.user).toMatchObject({
      name: "Caller 1",
      role: "MODERATOR",
      "internal-user-id": "call-1",
      "external-user-id": expect.any(String),
    });
    expect(byId("user-joined", "call-2").data.attributes.user).toMatchObject({
      name: "Caller 2",
      role: "VIEWER",
      "internal-user-id": "call-2",
    });
    expect(byId("user-left", "call-2").data.attributes.user).toEqual({
      "internal-user-id": "call-2",
      "external-user-id": byId("user-joined", "call-2").data.attributes.user["external-user-id"],
    });
    // Lock, deafen and conference document events have no bbb equivalent: nothing was sent.
    const log = await listDeliveries(api, account, hook.id, "?limit=1000");
    expect(log).toHaveLength(expected.length);
  });

  it("posts the normalised AMQP event once per inbound message to a raw subscription", async () => {
    const { api, account, receiver, feed, subscribe } = await setup();
    const hook = await subscribe("/raw", { format: "raw", event_types: ["*"] });
    const conferenceId = hexId();
    feed("add-member", conferenceId, "call-1", { participantId: 1 });
    feed("mute-member", conferenceId, "call-1", { participantId: 1, speak: false });

    // The mute is sent after everything the add-member caused (order per conference).
    await receiver.waitFor(1, (r) => jsonBody(r).event === "mute-member");
    expect(receiver.requests).toHaveLength(2);
    const [join, mute] = receiver.requests as [ReceivedRequest, ReceivedRequest];
    for (const request of [join, mute]) {
      expect(request.headers["content-type"]).toBe("application/json");
      expect(verifyRequest(request, hook.secret)).toEqual(JSON.parse(request.body));
      const keys: string[] = [];
      const collect = (value: unknown) => {
        if (value && typeof value === "object" && !Array.isArray(value)) {
          for (const [k, v] of Object.entries(value)) {
            keys.push(k);
            collect(v);
          }
        }
      };
      collect(jsonBody(request));
      expect(keys.filter((k) => k !== k.toLowerCase() || k.includes("-"))).toEqual([]);
    }
    expect(jsonBody(join)).toMatchObject({
      event: "add-member",
      event_name: "event",
      event_category: "conference",
      account_id: account.id,
      conference_id: conferenceId,
      call_id: "call-1",
      participant_id: 1,
      caller_id_name: "Caller 1",
      custom_channel_vars: { account_id: account.id, username: "sip1" },
      conference_channel_vars: { member_id: 1, speak: true, is_moderator: false },
    });
    expect(jsonBody(mute)).toMatchObject({
      event: "mute-member",
      conference_id: conferenceId,
      call_id: "call-1",
      conference_channel_vars: { speak: false },
    });
    expect(await listDeliveries(api, account, hook.id)).toHaveLength(2);
  });
});

/** Seed 000's "Event sent via webhooks" examples, verbatim. */
const seed000: Record<string, Json> = {
  "meeting-created": {
    data: {
      type: "event",
      id: "meeting-created",
      attributes: {
        meeting: {
          name: "random-578101",
          "external-meeting-id": "random-578101",
          "internal-meeting-id": "0a168dbfbe554287381bf0cfe27e015e33207702-1502212442238",
          "is-breakout": false,
          duration: 0,
          "create-time": 1502212442238,
          "create-date": "Tue Aug 08 17:14:02 UTC 2017",
          "moderator-pass": "mp",
          "viewer-pass": "ap",
          recorded: false,
          record: false,
          "voice-conf": 73583,
          "dial-number": "613-555-1234",
          "max-users": 12,
          metadata: { anything_set_here: "any-other", anotherMeta: "123" },
        },
        event: { ts: 1502810164922 },
      },
    },
  },
  "meeting-ended": {
    data: {
      type: "event",
      id: "meeting-ended",
      attributes: {
        meeting: {
          "external-meeting-id": "random-578101",
          "internal-meeting-id": "28311eecec6394e5c51be47a4eed381ab7f156c6-1502470514081",
        },
        event: { ts: 1502810164922 },
      },
    },
  },
  "user-joined": {
    data: {
      type: "event",
      id: "user-joined",
      attributes: {
        meeting: {
          "external-meeting-id": "random-578101",
          "internal-meeting-id": "0a168dbfbe554287381bf0cfe27e015e33207702-1502212442238",
        },
        user: {
          name: "User 1131066",
          role: "MODERATOR",
          presenter: false,
          "internal-user-id": "lwzhlo27k2zf_1",
          "external-user-id": "lwzhlo27k2zf",
          "sharing-mic": false,
          "sharing-video": false,
          "listening-only": false,
        },
        event: { ts: 1502810164922 },
      },
    },
  },
  "user-left": {
    data: {
      type: "event",
      id: "user-left",
      attributes: {
        meeting: {
          "external-meeting-id": "random-578101",
          "internal-meeting-id": "0a168dbfbe554287381bf0cfe27e015e33207702-1502212442238",
        },
        user: { "internal-user-id": "lwzhlo27k2zf_1", "external-user-id": "lwzhlo27k2zf" },
        event: { ts: 1502810164922 },
      },
    },
  },
  "user-audio-voice-enabled": {
    data: {
      type: "event",
      id: "user-audio-voice-enabled",
      attributes: {
        meeting: {
          "external-meeting-id": "random-578101",
          "internal-meeting-id": "0a168dbfbe554287381bf0cfe27e015e33207702-1502212442238",
        },
        user: { "internal-user-id": "lwzhlo27k2zf_1", "external-user-id": "lwzhlo27k2zf" },
        event: { ts: 1502810164922 },
      },
    },
  },
  "user-audio-voice-disabled": {
    data: {
      type: "event",
      id: "user-audio-voice-disabled",
      attributes: {
        meeting: {
          "external-meeting-id": "random-578101",
          "internal-meeting-id": "0a168dbfbe554287381bf0cfe27e015e33207702-1502212442238",
        },
        user: { "internal-user-id": "cypnwcc5j26c_1", "external-user-id": "cypnwcc5j26c" },
        event: { ts: 1502810164922 },
      },
    },
  },
};
