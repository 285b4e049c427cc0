import { describe, expect, it } from "vitest";
import type { DeadLetter } from "../server/amqp/memory-bus";
import { apiClient, createAccount, type Json } from "./helpers/api";
import { currentFeedEvent, hexId } from "./helpers/events";
import { embeddedBus, joinParticipants } from "./helpers/live";
import {
  createMeeting,
  ISO_MS,
  keysOf,
  meetingsClient,
  SEED_001_MEETING_KEYS,
  SEED_001_TIME,
  shapeOf,
  testClock,
  userToken,
} from "./helpers/meetings";
import { type ReceivedRequest, type Receiver, startReceiver } from "./helpers/receiver";
import { startServer } from "./helpers/server";
import { createWebhook, jsonBody, verifyRequest } from "./helpers/webhooks";

/** Seed 000's internal chat messages (`payload.message`), as BigBlueButton publishes them. */
const seed000PublicMessage = {
  toUsername: "public_chat_username",
  fromUserID: "lwzhlo27k2zf_1",
  fromTimezoneOffset: "180",
  fromTime: "1.502212736743E12",
  fromColor: "0",
  message: "1123",
  toUserID: "public_chat_userid",
  fromUsername: "User 1131066",
  chatType: "PUBLIC_CHAT",
};
const seed000PrivateMessage = {
  toUsername: "User 1131066",
  fromUserID: "c1nkzs3k1fla_1",
  fromTimezoneOffset: "180",
  fromTime: "1.502213004718E12",
  fromColor: "0",
  message: "hey",
  toUserID: "cypnwcc5j26c_1",
  fromUsername: "User 1131066",
  chatType: "PRIVATE_CHAT",
};

/** Seed 000's chat events as bbb-webhooks sends them. */
const seed000PublicEvent = {
  data: {
    type: "event",
    id: "chat-public-message-sent",
    attributes: {
      meeting: {
        "external-meeting-id": "random-578101",
        "internal-meeting-id": "0a168dbfbe554287381bf0cfe27e015e33207702-1502212442238",
      },
      "chat-message": {
        message: "1123",
        sender: {
          "internal-user-id": "lwzhlo27k2zf_1",
          "external-user-id": "lwzhlo27k2zf",
          "timezone-offset": "180",
          time: "1.502212736743E12",
        },
      },
      event: { ts: 1502810164922 },
    },
  },
};
const seed000PrivateEvent = {
  data: {
    type: "event",
    id: "chat-private-message-sent",
    attributes: {
      meeting: {
        "external-meeting-id": "random-578101",
        "internal-meeting-id": "0a168dbfbe554287381bf0cfe27e015e33207702-1502212442238",
      },
      "chat-message": {
        message: "1123",
        sender: {
          "internal-user-id": "lwzhlo27k2zf_1",
          "external-user-id": "lwzhlo27k2zf",
          "timezone-offset": "180",
          time: "1.502212736743E12",
        },
        receiver: {
          "internal-user-id": "cypnwcc5j26c_1",
          "external-user-id": "cypnwcc5j26c",
        },
      },
      event: { ts: 1502810164922 },
    },
  },
};

/** Seed 001's `meeting.chatSynced` and `meeting.transcript` examples. */
const seed001ChatSynced = {
  event: "meeting.chatSynced",
  sessionId: "79365b9b-e5ef-452f-934e-e171d75d254b",
  meetingId: "d9fc4d6a-a5a0-4430-9a73-d4ba14e597f9",
  chatDownloadUrl: "https://sample.com",
  chatDownloadUrlExpiry: "2022-12-13 07:08:39.051621Z",
  organizedBy: { id: "70c5d391-4bac-4cf3-9907-bec205798adb", name: "Dyte" },
};
const seed001Transcript = {
  event: "meeting.transcript",
  meeting: {
    id: "bbbba351-90c5-487f-8358-ce4885555134",
    sessionId: "01eab2e1-3cd4-4237-8cf3-c8c071ef87e9",
    title: "Meeting",
    status: "LIVE",
    createdAt: "2023-08-10T10:31:20.173Z",
    startedAt: "2023-08-10T10:31:20.173Z",
    endedAt: "2023-08-10T10:33:56.771Z",
    organizedBy: { id: "d6f046b8-b638-4cf7-8090-d9332447ae49", name: "Dyte" },
  },
  transcriptDownloadUrl: "https://sample.com/transcript.csv",
  transcriptDownloadUrlExpiry: "2023-12-13 07:08:39.051621Z",
};

const CSV_HEADER = "sent_at,chat_type,from_user_id,from_username,to_user_id,to_username,message";

/** parley on the embedded bus, a meeting hosted by user 811, and a webhook receiver. */
async function setup() {
  const clock = testClock();
  const server = await startServer({ WEBHOOK_ALLOW_PRIVATE_TARGETS: "true" }, { now: clock.now });
  const api = apiClient(server);
  const account = await createAccount(api);
  const meetings = meetingsClient(api);
  const token = await userToken(api, account, 811);
  const meeting = await createMeeting(meetings, token, { name: "Design review", chat: true });
  const conferenceId: string = meeting.conference_id;
  const bus = embeddedBus(server);
  const receiver = await startReceiver();
  const dead: DeadLetter[] = [];
  bus.onDeadLetter((letter) => dead.push(letter));
  return {
    server,
    api,
    account,
    meeting,
    conferenceId,
    bus,
    clock,
    receiver,
    dead,
    /** Publishes a chat message on `chat.event.{conference}.{call}`. */
    chat(callId: string, body: Record<string, unknown>) {
      bus.publishEvent(`chat.event.${conferenceId}.${callId}`, body);
    },
    member(event: "add-member" | "del-member", callId: string, participantId: number) {
      const { routingKey, body } = currentFeedEvent(
        event,
        { accountId: account.id, conferenceId, callId },
        { participantId },
      );
      bus.publishEvent(routingKey, body);
    },
    subscribe(path: string, data: Record<string, unknown>) {
      return createWebhook(api, account, { url: `${receiver.url}${path}`, ...data });
    },
  };
}

/** The one bbb event inside a bbb-webhooks form body. */
function bbbEventOf(request: ReceivedRequest): Json {
  const form = new URLSearchParams(request.body);
  expect([...form.keys()]).toEqual(["domain", "event", "timestamp"]);
  const list = JSON.parse(form.get("event") ?? "null") as Json[];
  expect(list).toHaveLength(1);
  return list[0];
}

/** Native bodies of one type on a path. */
function ofType(receiver: Receiver, path: string, type: string): Json[] {
  return receiver
    .on(path)
    .map(jsonBody)
    .filter((b) => b.type === type);
}

/** Parses one CSV document (quoted cells, CRLF rows) into rows of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (ch === '"') {
        quoted = false;
      } else {
        cell += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i += 1;
    } else {
      cell += ch;
    }
  }
  if (cell !== "" || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

describe("chat messages", () => {
  it("posts a public message as native meeting.chatMessage", async () => {
    const rig = await setup();
    const hook = await rig.subscribe("/native", { event_types: ["meeting.chatMessage"] });
    rig.member("add-member", "call-1", 1);
    rig.chat("call-1", {
      message: "Hello, everyone",
      chat_type: "PUBLIC_CHAT",
      from_user_id: 811,
      from_username: "Sam Fisher",
      from_time: 1_700_000_000_123,
    });
    const [request] = await rig.receiver.waitFor(1);
    expect(verifyRequest(request as ReceivedRequest, hook.secret)).toBeDefined();
    const body = jsonBody(request as ReceivedRequest);
    expect(body.type).toBe("meeting.chatMessage");
    expect(body.data).toMatchObject({
      event: "meeting.chatMessage",
      meeting: {
        id: rig.conferenceId,
        title: "Design review",
        organizedBy: { id: rig.account.id, name: rig.account.name },
      },
      chatMessage: {
        message: "Hello, everyone",
        chatType: "PUBLIC_CHAT",
        sender: { id: 811, name: "Sam Fisher" },
        sentAt: new Date(1_700_000_000_123).toISOString(),
      },
    });
    expect(body.data.chatMessage).not.toHaveProperty("receiver");
  });

  it("posts a private message as native meeting.chatMessage with its receiver", async () => {
    const rig = await setup();
    await rig.subscribe("/native", { event_types: ["meeting.chatMessage"] });
    rig.member("add-member", "call-1", 1);
    rig.chat("call-1", {
      message: "psst",
      chat_type: "PRIVATE_CHAT",
      from_user_id: "811",
      from_username: "Sam",
      to_user_id: "6892477",
      to_username: "Smith",
    });
    const [request] = await rig.receiver.waitFor(1);
    const { chatMessage } = jsonBody(request as ReceivedRequest).data;
    expect(chatMessage).toMatchObject({
      message: "psst",
      chatType: "PRIVATE_CHAT",
      sender: { id: "811", name: "Sam" },
      receiver: { id: "6892477", name: "Smith" },
      sentAt: expect.stringMatching(ISO_MS),
    });
  });

  it("posts bbb's chat-public-message-sent in seed 000's shape", async () => {
    const rig = await setup();
    const hook = await rig.subscribe("/bbb", {
      format: "bbb",
      event_types: ["meeting.chatMessage"],
    });
    rig.member("add-member", "call-1", 1);
    rig.chat("call-1", {
      message: "1123",
      chat_type: "PUBLIC_CHAT",
      from_user_id: "lwzhlo27k2zf",
      from_username: "User 1131066",
      from_timezone_offset: "180",
      from_time: "1.502212736743E12",
    });
    const [request] = await rig.receiver.waitFor(1);
    expect(verifyRequest(request as ReceivedRequest, hook.secret, false)).toBeUndefined();
    const event = bbbEventOf(request as ReceivedRequest);
    expect(shapeOf(event)).toEqual(shapeOf(seed000PublicEvent));
    expect(event.data.id).toBe("chat-public-message-sent");
    expect(event.data.attributes.meeting["external-meeting-id"]).toBe(rig.conferenceId);
    expect(event.data.attributes["chat-message"]).toEqual({
      message: "1123",
      sender: {
        "internal-user-id": expect.any(String),
        "external-user-id": "lwzhlo27k2zf",
        "timezone-offset": "180",
        time: "1.502212736743E12",
      },
    });
  });

  it("posts bbb's chat-private-message-sent with its receiver in seed 000's shape", async () => {
    const rig = await setup();
    await rig.subscribe("/bbb", { format: "bbb", event_types: ["meeting.chatMessage"] });
    rig.member("add-member", "call-1", 1);
    rig.chat("call-1", {
      message: "hey",
      chat_type: "PRIVATE_CHAT",
      from_user_id: "c1nkzs3k1fla",
      to_user_id: "cypnwcc5j26c",
      to_username: "User 1131066",
    });
    const [request] = await rig.receiver.waitFor(1);
    const event = bbbEventOf(request as ReceivedRequest);
    expect(shapeOf(event)).toEqual(shapeOf(seed000PrivateEvent));
    expect(event.data.id).toBe("chat-private-message-sent");
    expect(event.data.attributes["chat-message"]).toMatchObject({
      message: "hey",
      sender: { "external-user-id": "c1nkzs3k1fla" },
      receiver: { "external-user-id": "cypnwcc5j26c" },
    });
  });

  it("accepts BigBlueButton's own camelCase messages (seed 000's internal events) in both formats", async () => {
    const rig = await setup();
    await rig.subscribe("/bbb", { format: "bbb", event_types: ["meeting.chatMessage"] });
    await rig.subscribe("/native", { event_types: ["meeting.chatMessage"] });
    rig.member("add-member", "call-1", 1);
    rig.chat("lwzhlo27k2zf_1", seed000PublicMessage);
    rig.chat("c1nkzs3k1fla_1", seed000PrivateMessage);
    await rig.receiver.waitFor(4);
    expect(rig.dead).toEqual([]);

    const [publicEvent, privateEvent] = rig.receiver.on("/bbb").map(bbbEventOf);
    expect(publicEvent.data.id).toBe("chat-public-message-sent");
    // A public message is addressed to bbb's public chat pseudo-user: still no receiver.
    expect
      .soft(shapeOf(publicEvent), "public chat keeps seed 000's public shape (no receiver)")
      .toEqual(shapeOf(seed000PublicEvent));
    expect(publicEvent.data.attributes["chat-message"]).toMatchObject({
      message: "1123",
      sender: {
        "external-user-id": "lwzhlo27k2zf_1",
        "timezone-offset": "180",
        time: "1.502212736743E12",
      },
    });
    expect(privateEvent.data.id).toBe("chat-private-message-sent");
    expect(shapeOf(privateEvent)).toEqual(shapeOf(seed000PrivateEvent));
    expect(privateEvent.data.attributes["chat-message"]).toMatchObject({
      message: "hey",
      sender: { "external-user-id": "c1nkzs3k1fla_1", time: "1.502213004718E12" },
      receiver: { "external-user-id": "cypnwcc5j26c_1" },
    });

    const native = ofType(rig.receiver, "/native", "meeting.chatMessage");
    expect(native.map((b) => [b.data.chatMessage.chatType, b.data.chatMessage.message])).toEqual([
      ["PUBLIC_CHAT", "1123"],
      ["PRIVATE_CHAT", "hey"],
    ]);
    expect(native[0].data.chatMessage.sentAt).toBe(new Date(1502212736743).toISOString());
    expect(native[1].data.chatMessage.sender).toMatchObject({
      id: "c1nkzs3k1fla_1",
      name: "User 1131066",
    });
  });
});

describe("meeting.chatSynced and the chat export", () => {
  /** A session with three messages, ended; returns the chatSynced body and the session's. */
  async function endedSessionWithChat() {
    const rig = await setup();
    const hook = await rig.subscribe("/native", {
      event_types: ["meeting.ended", "meeting.chatSynced"],
    });
    await joinParticipants(rig.server, rig.api, rig.account, rig.conferenceId, [
      { callId: "call-1", participantId: 1 },
      { callId: "call-2", participantId: 2 },
    ]);
    // Messages sent during the session, a second apart.
    rig.clock.advance(1000);
    const t = rig.clock.now();
    rig.chat("call-1", {
      message: "Agenda: budget, hiring",
      chat_type: "PUBLIC_CHAT",
      from_user_id: "811",
      from_username: "Sam Fisher",
      from_time: t,
    });
    rig.chat("call-2", {
      message: 'He said "ship it"\nthen left',
      chat_type: "PRIVATE_CHAT",
      from_user_id: "6892477",
      from_username: "Smith",
      to_user_id: "811",
      to_username: "Sam Fisher",
      from_time: t + 1000,
    });
    rig.clock.advance(5000);
    rig.member("del-member", "call-1", 1);
    rig.member("del-member", "call-2", 2);
    await rig.receiver.waitFor(2);
    const [ended, synced] = rig.receiver.on("/native") as [ReceivedRequest, ReceivedRequest];
    expect(verifyRequest(synced, hook.secret)).toBeDefined();
    return { ...rig, t, ended: jsonBody(ended), synced: jsonBody(synced) };
  }

  it("posts meeting.chatSynced in seed 001's shape when the meeting ends", async () => {
    const { ended, synced, conferenceId, account, server, clock } = await endedSessionWithChat();
    expect(ended.type).toBe("meeting.ended");
    expect(synced.type).toBe("meeting.chatSynced");
    expect(keysOf(synced.data)).toEqual(keysOf(seed001ChatSynced));
    // Seed 001: the dump belongs to the session that ended (same sessionId as its events).
    expect
      .soft(synced.data.sessionId, "chatSynced names the session that ended")
      .toBe(ended.data.meeting.sessionId);
    expect(synced.data).toEqual({
      event: "meeting.chatSynced",
      sessionId: expect.any(String),
      meetingId: conferenceId,
      chatDownloadUrl: expect.stringMatching(
        new RegExp(`^${server.url}/exports/chat/${conferenceId}\\.csv\\?`),
      ),
      chatDownloadUrlExpiry: expect.stringMatching(SEED_001_TIME),
      organizedBy: { id: account.id, name: account.name },
    });
    // The link is valid for an hour.
    const expiry = Date.parse(synced.data.chatDownloadUrlExpiry.replace(" ", "T"));
    expect(expiry).toBeGreaterThan(clock.now() + 59 * 60 * 1000);
    expect(expiry).toBeLessThanOrEqual(clock.now() + 60 * 60 * 1000);
  });

  it("serves the chat as CSV at chatDownloadUrl", async () => {
    const { synced, t } = await endedSessionWithChat();
    const res = await fetch(synced.data.chatDownloadUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    const text = await res.text();
    expect(text.split("\r\n")[0]).toBe(CSV_HEADER);
    expect(parseCsv(text)).toEqual([
      CSV_HEADER.split(","),
      [
        new Date(t).toISOString(),
        "PUBLIC_CHAT",
        "811",
        "Sam Fisher",
        "",
        "",
        "Agenda: budget, hiring",
      ],
      [
        new Date(t + 1000).toISOString(),
        "PRIVATE_CHAT",
        "6892477",
        "Smith",
        "811",
        "Sam Fisher",
        'He said "ship it"\nthen left',
      ],
    ]);
  });

  it("refuses an expired, forged or tampered export link with 403", async () => {
    const { synced, clock } = await endedSessionWithChat();
    const link = new URL(synced.data.chatDownloadUrl);
    const signature = link.searchParams.get("signature") ?? "";
    const expires = link.searchParams.get("expires") ?? "";
    const since = link.searchParams.get("since") ?? "";
    const base = `${link.origin}${link.pathname}`;
    const flip = (s: string) => `${s.slice(0, -1)}${s.endsWith("A") ? "B" : "A"}`;
    for (const url of [
      `${base}?since=${since}&expires=${expires}&signature=${flip(signature)}`,
      `${base}?since=0&expires=${expires}&signature=${signature}`,
      `${base}?since=${since}&expires=${Number(expires) + 60}&signature=${signature}`,
      `${link.origin}/exports/chat/${hexId()}.csv?since=${since}&expires=${expires}&signature=${signature}`,
      `${base}?since=${since}`,
    ]) {
      const res = await fetch(url);
      expect(res.status, url).toBe(403);
      expect(await res.text()).not.toContain("Agenda");
    }
    expect((await fetch(link)).status).toBe(200);
    clock.advance(60 * 60 * 1000 + 1000);
    const expired = await fetch(link);
    expect(expired.status).toBe(403);
    expect(await expired.text()).not.toContain("Agenda");
  });

  it("exports each session's messages only, and sends no chatSynced for a session without chat", async () => {
    const rig = await setup();
    await rig.subscribe("/native", {
      event_types: ["meeting.ended", "meeting.chatSynced", "livestreaming.statusUpdate"],
    });
    const session = (callId: string, message?: string) => {
      rig.member("add-member", callId, 1);
      if (message) {
        rig.chat(callId, { message, from_user_id: "811" });
      }
      rig.member("del-member", callId, 1);
    };
    session("call-1", "first session");
    await rig.receiver.waitFor(1, (r) => jsonBody(r).type === "meeting.chatSynced");
    rig.clock.advance(5000);
    session("call-2");
    rig.clock.advance(5000);
    session("call-3", "third session");
    await rig.receiver.waitFor(2, (r) => jsonBody(r).type === "meeting.chatSynced");
    rig.bus.publishEvent(`livestream.event.${rig.conferenceId}.marker`, { status: "LIVE" });
    await rig.receiver.waitFor(1, (r) => jsonBody(r).type === "livestreaming.statusUpdate");
    expect(rig.receiver.on("/native").map((r) => jsonBody(r).type)).toEqual([
      "meeting.ended",
      "meeting.chatSynced",
      "meeting.ended",
      "meeting.ended",
      "meeting.chatSynced",
      "livestreaming.statusUpdate",
    ]);
    const [first, third] = ofType(rig.receiver, "/native", "meeting.chatSynced");
    const messages = async (body: Json) =>
      parseCsv(await (await fetch(body.data.chatDownloadUrl)).text())
        .slice(1)
        .map((row) => [row[1], row[6]]);
    // Fetched after the third session, the first session's export still holds its own chat only.
    expect
      .soft(await messages(first), "the first session's export")
      .toEqual([["PUBLIC_CHAT", "first session"]]);
    expect(await messages(third)).toEqual([["PUBLIC_CHAT", "third session"]]);
    // Each names the run it belongs to: the Instance-ID of the events (the same in all three
    // runs here, as the builders reuse one).
    expect(first.data.sessionId).toBe("d5765180-53d5-4104-860e-b352f3f8e6b1");
  });
});

describe("livestream and transcript events", () => {
  it("posts livestreaming.statusUpdate exactly as seed 001 shapes it", async () => {
    const rig = await setup();
    const hook = await rig.subscribe("/native", { event_types: ["livestreaming.statusUpdate"] });
    const streamId = "d231d346-c422-43a6-a324-c0d65b79c8a7";
    rig.bus.publishEvent(`livestream.event.${rig.conferenceId}.${streamId}`, { status: "LIVE" });
    rig.bus.publishEvent(`livestream.event.${rig.conferenceId}.${streamId}`, {
      status: "OFFLINE",
    });
    const got = await rig.receiver.waitFor(2);
    for (const request of got) {
      expect(verifyRequest(request, hook.secret)).toEqual(JSON.parse(request.body));
    }
    expect(got.map(jsonBody)).toEqual([
      {
        type: "livestreaming.statusUpdate",
        timestamp: expect.stringMatching(ISO_MS),
        data: { event: "livestreaming.statusUpdate", streamId, status: "LIVE" },
      },
      {
        type: "livestreaming.statusUpdate",
        timestamp: expect.stringMatching(ISO_MS),
        data: { event: "livestreaming.statusUpdate", streamId, status: "OFFLINE" },
      },
    ]);
  });

  it("posts meeting.transcript in seed 001's shape with the transcript's link and expiry", async () => {
    const rig = await setup();
    await rig.subscribe("/native", { event_types: ["meeting.transcript"] });
    rig.member("add-member", "call-1", 1);
    rig.member("del-member", "call-1", 1);
    rig.bus.publishEvent(`transcript.event.${rig.conferenceId}`, {
      url: "https://files.example.com/transcripts/design-review.csv",
    });
    rig.bus.publishEvent(`transcript.event.${rig.conferenceId}`, {
      url: "https://files.example.com/transcripts/design-review-2.csv",
      expires_at: "2030-01-01 00:00:00.000000Z",
    });
    const got = (await rig.receiver.waitFor(2)).map(jsonBody);
    const [first, second] = got;
    expect(first.type).toBe("meeting.transcript");
    expect(keysOf(first.data)).toEqual(keysOf(seed001Transcript));
    expect(keysOf(first.data.meeting)).toEqual(SEED_001_MEETING_KEYS);
    expect(first.data).toEqual({
      event: "meeting.transcript",
      meeting: {
        id: rig.conferenceId,
        sessionId: expect.any(String),
        title: "Design review",
        status: expect.any(String),
        createdAt: expect.stringMatching(ISO_MS),
        startedAt: expect.stringMatching(ISO_MS),
        endedAt: expect.stringMatching(ISO_MS),
        organizedBy: { id: rig.account.id, name: rig.account.name },
      },
      transcriptDownloadUrl: "https://files.example.com/transcripts/design-review.csv",
      transcriptDownloadUrlExpiry: expect.stringMatching(SEED_001_TIME),
    });
    expect(second.data.transcriptDownloadUrl).toBe(
      "https://files.example.com/transcripts/design-review-2.csv",
    );
    expect(second.data.transcriptDownloadUrlExpiry).toBe("2030-01-01 00:00:00.000000Z");
  });
});

describe("malformed recording, chat, livestream and transcript events", () => {
  it("dead-letters each with its reason, sends nothing for it, and goes on consuming", async () => {
    const rig = await setup();
    await rig.subscribe("/native", {
      event_types: [
        "meeting.chatMessage",
        "livestreaming.statusUpdate",
        "meeting.transcript",
        "recording.statusUpdate",
      ],
    });
    const c = rig.conferenceId;
    const other = await createAccount(rig.api, "Other");
    const cases: Array<[string, unknown, RegExp]> = [
      [`chat.event.${c}.call-1`, { chat_type: "PUBLIC_CHAT", from_user_id: "1" }, /message/],
      [
        `chat.event.${c}.call-1`,
        { message: "hi", from_user_id: "1", chat_type: "LOUD" },
        /chat_type/,
      ],
      [`chat.event.${c}.call-1`, { message: "hi" }, /from_user_id/],
      [`chat.event.${c}`, { message: "hi", from_user_id: "1" }, /routing key/],
      [`livestream.event.${c}.s1`, { status: "PAUSED" }, /status/],
      [`livestream.event.${c}`, { status: "LIVE" }, /routing key/],
      [`transcript.event.${c}`, { url: "not a url" }, /url/],
      [`transcript.event.${c}.extra`, { url: "https://x.example/t.csv" }, /routing key/],
      [`recording.event.${c}.r1`, { status: "DONE" }, /status/],
      [`recording.event.${c}.r1`, { duration: 3 }, /status/],
      [`recording.event.${c}.r1`, { status: "UPLOADED", size: "big" }, /size/],
      [`recording.event.${c}.r1`, "this is not json", /not valid JSON/],
      [`chat.event.${c}.call-1`, [1, 2, 3], /not a JSON object/],
      [`livestream.event.${hexId()}.s1`, { status: "LIVE" }, /no account/],
      [
        `chat.event.${c}.call-1`,
        { message: "hi", from_user_id: "1", custom_channel_vars: { account_id: other.id } },
        /another account/,
      ],
    ];
    for (const [routingKey, body] of cases) {
      rig.bus.publishEvent(routingKey, body);
    }
    // Then a good one: consuming goes on.
    rig.bus.publishEvent(`livestream.event.${c}.after`, { status: "LIVE" });
    await rig.receiver.waitFor(1);
    await expect.poll(() => rig.dead.length, { timeout: 10_000 }).toBe(cases.length);
    expect(rig.dead.map((d) => d.routingKey)).toEqual(cases.map(([key]) => key));
    cases.forEach(([routingKey, , reason], i) => {
      expect(rig.dead[i]?.reason, routingKey).toMatch(reason);
    });
    expect(rig.receiver.requests.map((r) => jsonBody(r).data)).toEqual([
      { event: "livestreaming.statusUpdate", streamId: "after", status: "LIVE" },
    ]);
    // Nothing of them was stored: no recording, no chat message.
    const recordings = await meetingsClient(rig.api).get(
      `/meetings/recordings/${rig.meeting._id}`,
      await userToken(rig.api, rig.account, 811),
    );
    expect(recordings.body).toEqual([]);
  });
});
