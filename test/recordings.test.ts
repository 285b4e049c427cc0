import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import type { ParleyServer, ServerOverrides } from "../server/create-server";
import { apiClient, createAccount, type Json, type TestAccount } from "./helpers/api";
import { type BrokerProbe, startBrokerServer } from "./helpers/broker";
import { currentFeedEvent, hexId } from "./helpers/events";
import {
  createMeeting,
  ISO_MS,
  ISO_S,
  keysOf,
  type MeetingsClient,
  meetingsClient,
  SEED_001_MEETING_KEYS,
  SEED_001_TIME,
  shapeOf,
  startBrokerServerWith,
  testClock,
  userToken,
} from "./helpers/meetings";
import { type ReceivedRequest, type Receiver, startReceiver } from "./helpers/receiver";
import { ADMIN_TOKEN, startServer } from "./helpers/server";
import { createWebhook, jsonBody, verifyRequest } from "./helpers/webhooks";

const HOST = 811;

/** Seed 001's `recording.statusUpdate` example. */
const seed001StatusUpdate = {
  event: "recording.statusUpdate",
  recording: {
    id: "97cb480d-5840-4528-ace3-919b5e386c68",
    recordingId: "97cb480d-5840-4528-ace3-919b5e386c68",
    meetingId: "26c31468-55d4-4099-b49d-109778b182df",
    organizationId: "c94c437b-592a-4a39-b9e2-47ef1451e43b",
    status: "RECORDING",
    startedTime: "2023-01-25 04:51:35.903816Z",
    roomUUID: "56b81d16-5d4e-45ed-85b4-056587b00aa0",
    outputFileName: "26c31468-55d4-4099-b49d-109778b182df_1674622294193.mp4",
  },
  meeting: {
    id: "26c31468-55d4-4099-b49d-109778b182df",
    sessionId: "56b81d16-5d4e-45ed-85b4-056587b00aa0",
    title: "Meeting title",
    status: "LIVE",
    createdAt: "2023-01-25T04:51:22.116Z",
    startedAt: "2023-01-26T03:36:23.224Z",
    endedAt: null,
    organizedBy: { id: "c94c437b-592a-4a39-b9e2-47ef1451e43b", name: "Dyte" },
  },
};

/** Seed 002's recording done webhook payload. */
const seed002Done = {
  meeting: {
    _id: "64ba8ab043e599002b5bdbca",
    name: "My meeting",
    start_date: 1689946801,
    end_date: 1689950401,
    attendees: [
      { id: 6892473, email: "example-sam@email.com" },
      { id: 6892477, email: "example-smith@email.com" },
    ],
    public: false,
    scheduled: false,
    record: false,
    chat_dialog_id: "64ba8ab043e599002b5bdbc9",
    created_at: "2023-07-21T13:40:00Z",
    updated_at: "2023-07-21T13:40:21Z",
    host_id: 6892473,
    notify: false,
    notify_before: null,
    timezone: null,
  },
  hostUser: {
    _id: "64ba8aac43e599002b5bdbc8",
    id: 6892473,
    created_at: "2023-07-21T13:39:56Z",
    updated_at: "2023-07-21T13:40:00Z",
    last_request_at: "2023-07-21T13:40:00Z",
    login: "resourceful-norris-75",
    full_name: "Sam Fisher",
    timezone: null,
    email: "example-sam@email.com",
    phone: null,
    website: null,
    twitter_id: null,
    external_user_id: null,
    facebook_id: null,
    custom_data: null,
    user_tags: null,
    avatar: null,
    external_id: null,
    is_guest: null,
  },
  callRecords: [
    {
      _id: "64ba8abeea1de683a37139fd",
      room_id: "64ba8ab043e599002b5bdbca",
      participants_count: 1,
      participants_ids: [6892473],
      file_uid: "619486cc-3cb5-4171-afe0-74c1f1805e9a_64ba8ab043e599002b5bdbca",
      duration: 5.082,
      size: 0.29,
      updated_at: "2023-07-21T13:40:14Z",
      created_at: "2023-07-21T13:40:14Z",
      download_url:
        "https://cb-staging-recordings.s3.amazonaws.com/videos/619486cc-3cb5-4171-afe0-74c1f1805e9a_64ba8ab043e599002b5bdbca?AWSAccessKeyId=XXXXXXXXXXXXXXXX&Expires=1690551720&Signature=8%2BOxOEQga2MP%XXXXX%2B4%2BYHAVjvQE%3D&response-cache-control=max-age%3D604800",
    },
  ],
};

/** Seed 000's recording event as bbb-webhooks sends it. */
const seed000RapEvent = {
  data: {
    type: "event",
    id: "rap-archive-started",
    attributes: {
      meeting: {
        "external-meeting-id": "random-578101",
        "internal-meeting-id": "e4b9f4cf1556137f656485a05766a05ec993607a-1502808610079",
      },
      event: { ts: 1502810164922 },
    },
  },
};

/** Seed 000's record-and-playback steps and the bbb event each becomes. */
const rapSteps = [
  ["archive_started", "rap-archive-started"],
  ["archive_ended", "rap-archive-ended"],
  ["sanity_started", "rap-sanity-started"],
  ["sanity_ended", "rap-sanity-ended"],
  ["post_archive_started", "rap-post-archive-started"],
  ["post_archive_ended", "rap-post-archive-ended"],
  ["process_started", "rap-process-started"],
  ["process_ended", "rap-process-ended"],
  ["post_process_started", "rap-post-process-started"],
  ["post_process_ended", "rap-post-process-ended"],
  ["publish_started", "rap-publish-started"],
  ["publish_ended", "rap-publish-ended"],
  ["post_publish_started", "rap-post-publish-started"],
  ["post_publish_ended", "rap-post-publish-ended"],
] as const;

/** The recording file: 1000 bytes of a known pattern. */
const FILE = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 256));
const FILE_NAME = "rec-1.mp4";
/** The size the media server reports (bytes): 0.34 MB as seed 002 rounds it. */
const REPORTED_SIZE = 356_515;

function recordingsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "parley-recordings-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, FILE_NAME), FILE);
  return dir;
}

interface Rig {
  server: ParleyServer;
  probe: BrokerProbe;
  account: TestAccount;
  meetings: MeetingsClient;
  token: string;
  meeting: Json;
  receiver: Receiver;
  /** Publishes `recording.event.{conference}.{recording}` like the media server. */
  recording(recordingId: string, body: Record<string, unknown>): void;
  /** Publishes a member event for the meeting's conference (Kazoo's current feed). */
  member(event: "add-member" | "del-member", callId: string, participantId: number): void;
  /** A marker that must arrive after everything published before it. */
  marker(status: "LIVE" | "OFFLINE"): Promise<void>;
}

/** parley on RabbitMQ with RECORDINGS_DIR holding FILE, a meeting hosted by user 811. */
async function setup(options: { overrides?: ServerOverrides; meeting?: Json } = {}): Promise<Rig> {
  const env = { WEBHOOK_ALLOW_PRIVATE_TARGETS: "true", RECORDINGS_DIR: recordingsDir() };
  const { server, probe } = options.overrides
    ? await startBrokerServerWith(env, options.overrides)
    : await startBrokerServer(undefined, env);
  const api = apiClient(server);
  const account = await createAccount(api);
  const meetings = meetingsClient(api);
  const token = await userToken(api, account, HOST);
  const meeting = await createMeeting(meetings, token, {
    name: "Quarterly review",
    attendees: [{ id: 6892477, email: "example-smith@email.com" }],
    chat: true,
    ...options.meeting,
  });
  const receiver = await startReceiver();
  let markers = 0;
  return {
    server,
    probe,
    account,
    meetings,
    token,
    meeting,
    receiver,
    recording(recordingId, body) {
      probe.publish(`recording.event.${meeting.conference_id}.${recordingId}`, body);
    },
    member(event, callId, participantId) {
      const { routingKey, body } = currentFeedEvent(
        event,
        { accountId: account.id, conferenceId: meeting.conference_id, callId },
        { participantId },
      );
      probe.publish(routingKey, body);
    },
    async marker(status) {
      markers += 1;
      const streamId = `marker-${markers}`;
      probe.publish(`livestream.event.${meeting.conference_id}.${streamId}`, { status });
      await receiver.waitFor(1, (r) => r.body.includes(`"streamId":"${streamId}"`));
    },
  };
}

/** Native types of the requests on `path`, with the recording status for status updates. */
function labels(receiver: Receiver, path = "/native"): string[] {
  return receiver.on(path).map((r) => {
    const body = jsonBody(r);
    return body.type === "recording.statusUpdate"
      ? `${body.type}:${body.data.recording.id}:${body.data.recording.status}`
      : body.type;
  });
}

async function download(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** The recording's download link from the listing. */
async function listedLink(rig: Rig, token = rig.token): Promise<string> {
  const res = await rig.meetings.get(`/meetings/recordings/${rig.meeting._id}`, token);
  expect(res.status).toBe(200);
  return res.body[0].download_url;
}

/** Publishes one uploaded recording of FILE and waits until it is listed. */
async function uploaded(rig: Rig, recordingId = hexId(12)): Promise<string> {
  rig.recording(recordingId, {
    status: "UPLOADED",
    participants_ids: [HOST],
    duration: 5.082,
    size: REPORTED_SIZE,
    file_path: FILE_NAME,
    output_file_name: "quarterly.mp4",
  });
  await expect
    .poll(
      async () =>
        (await rig.meetings.get(`/meetings/recordings/${rig.meeting._id}`, rig.token)).body,
      { timeout: 10_000 },
    )
    .toHaveLength(1);
  return recordingId;
}

describe("recordings over RabbitMQ", () => {
  it("reports every status change as recording.statusUpdate in seed 001's shape", async () => {
    const rig = await setup();
    const { account, meeting, receiver } = rig;
    const hook = await createWebhook(apiClient(rig.server), account, {
      url: `${receiver.url}/native`,
      event_types: ["recording.statusUpdate", "livestreaming.statusUpdate"],
    });
    rig.member("add-member", "call-1", 1);
    const id = hexId(12);
    rig.recording(id, { status: "INVOKED", output_file_name: "quarterly.mp4" });
    rig.recording(id, { status: "RECORDING", participants_ids: [HOST] });
    // The same status again is no change.
    rig.recording(id, { status: "RECORDING", participants_ids: [HOST, 6892477] });
    rig.recording(id, { status: "UPLOADING", duration: 5.082 });
    rig.recording(id, { status: "UPLOADED", size: REPORTED_SIZE, file_path: FILE_NAME });
    const failed = hexId(12);
    rig.recording(failed, { status: "ERRORED" });
    await rig.marker("LIVE");

    expect(labels(receiver)).toEqual([
      `recording.statusUpdate:${id}:INVOKED`,
      `recording.statusUpdate:${id}:RECORDING`,
      `recording.statusUpdate:${id}:UPLOADING`,
      `recording.statusUpdate:${id}:UPLOADED`,
      `recording.statusUpdate:${failed}:ERRORED`,
      "livestreaming.statusUpdate",
    ]);
    const updates = receiver.on("/native").slice(0, 5);
    for (const request of updates) {
      expect(verifyRequest(request, hook.secret)).toEqual(JSON.parse(request.body));
      const body = jsonBody(request);
      expect(keysOf(body)).toEqual(["data", "timestamp", "type"]);
      expect(keysOf(body.data)).toEqual(keysOf(seed001StatusUpdate));
      expect(keysOf(body.data.recording)).toEqual(keysOf(seed001StatusUpdate.recording));
      expect(body.data.meeting).toMatchObject({
        id: meeting.conference_id,
        sessionId: expect.any(String),
        title: "Quarterly review",
        status: "LIVE",
        createdAt: expect.stringMatching(ISO_MS),
        startedAt: expect.stringMatching(ISO_MS),
        organizedBy: { id: account.id, name: account.name },
      });
    }
    const first = jsonBody(updates[0] as ReceivedRequest).data;
    // Seed 001's statusUpdate meeting carries "endedAt": null while the meeting runs.
    expect
      .soft(keysOf(first.meeting), "meeting keys of seed 001's statusUpdate")
      .toEqual(SEED_001_MEETING_KEYS);
    expect(first.recording).toEqual({
      id,
      recordingId: id,
      meetingId: meeting.conference_id,
      organizationId: account.id,
      status: "INVOKED",
      startedTime: expect.stringMatching(SEED_001_TIME),
      roomUUID: expect.any(String),
      outputFileName: "quarterly.mp4",
    });
    expect(first.meeting.endedAt ?? null).toBeNull();
    // The recording keeps its start time and file name through its life.
    for (const request of updates.slice(1, 4)) {
      const { recording } = jsonBody(request).data;
      expect(recording.startedTime).toBe(first.recording.startedTime);
      expect(recording.outputFileName).toBe("quarterly.mp4");
      expect(recording.roomUUID).toBe(first.recording.roomUUID);
    }
  });

  it("lists a meeting's recordings in seed 002's recording model", async () => {
    const rig = await setup();
    const id = hexId(12);
    rig.recording(id, {
      status: "UPLOADED",
      participants_ids: [HOST, 6892477],
      duration: 8.862,
      size: 545_260,
      file_path: FILE_NAME,
    });
    const path = `/meetings/recordings/${rig.meeting._id}`;
    await expect
      .poll(async () => (await rig.meetings.get(path, rig.token)).body, { timeout: 10_000 })
      .toHaveLength(1);
    const res = await rig.meetings.get(path, rig.token);
    expect(res.body).toEqual([
      {
        _id: id,
        room_id: rig.meeting._id,
        participants_ids: [HOST, 6892477],
        participants_count: 2,
        duration: 8.862,
        size: 0.52,
        download_url: expect.stringMatching(
          new RegExp(`^${rig.server.url}/recordings/${id}/file\\?expires=\\d+&signature=[\\w-]+$`),
        ),
        created_at: expect.stringMatching(ISO_S),
        updated_at: expect.stringMatching(ISO_S),
      },
    ]);
    // An attendee of the meeting sees them too; .json works as well.
    const attendee = await userToken(apiClient(rig.server), rig.account, 6892477);
    expect((await rig.meetings.get(`${path}.json`, attendee)).body).toEqual([
      { ...res.body[0], download_url: expect.any(String) },
    ]);
  });

  it("streams the file at download_url, whole and by byte range", async () => {
    const rig = await setup();
    await uploaded(rig);
    const link = await listedLink(rig);

    const whole = await download(link);
    expect(whole.status).toBe(200);
    expect(whole.body.equals(FILE)).toBe(true);
    expect(whole.headers.get("content-length")).toBe(String(FILE.length));
    expect(whole.headers.get("content-type")).toBe("video/mp4");
    expect(whole.headers.get("accept-ranges")).toBe("bytes");

    const cases: Array<[string, number, number]> = [
      ["bytes=0-99", 0, 99],
      ["bytes=100-199", 100, 199],
      ["bytes=990-", 990, 999],
      ["bytes=-10", 990, 999],
      ["bytes=995-5000", 995, 999],
      ["bytes=0-0", 0, 0],
    ];
    for (const [range, start, end] of cases) {
      const part = await download(link, { Range: range });
      expect(part.status, range).toBe(206);
      expect(part.headers.get("content-range"), range).toBe(`bytes ${start}-${end}/${FILE.length}`);
      expect(part.headers.get("content-length"), range).toBe(String(end - start + 1));
      expect(part.body.equals(FILE.subarray(start, end + 1)), range).toBe(true);
    }
    for (const range of ["bytes=1000-", "bytes=2000-3000", "bytes=500-100"]) {
      const bad = await download(link, { Range: range });
      expect(bad.status, range).toBe(416);
      expect(bad.headers.get("content-range"), range).toBe(`bytes */${FILE.length}`);
    }
  });

  it("refuses a forged or tampered download link with 403", async () => {
    const rig = await setup();
    const id = await uploaded(rig);
    const link = new URL(await listedLink(rig));
    const signature = link.searchParams.get("signature") ?? "";
    const expires = link.searchParams.get("expires") ?? "";
    const flip = (s: string) => `${s.slice(0, -1)}${s.endsWith("A") ? "B" : "A"}`;
    const forged = [
      `${link.origin}${link.pathname}?expires=${expires}&signature=${flip(signature)}`,
      `${link.origin}${link.pathname}?expires=${Number(expires) + 3600}&signature=${signature}`,
      `${link.origin}${link.pathname}?expires=${expires}`,
      `${link.origin}${link.pathname}?signature=${signature}`,
      `${link.origin}${link.pathname}`,
      `${link.origin}/recordings/${hexId(12)}/file?expires=${expires}&signature=${signature}`,
    ];
    for (const url of forged) {
      const res = await download(url);
      expect(res.status, url).toBe(403);
      expect(res.body.includes(FILE.subarray(0, 16))).toBe(false);
    }
    expect((await download(link.toString())).status).toBe(200);
    expect(link.pathname).toBe(`/recordings/${id}/file`);
  });

  it("lets a download link work for an hour and answers 403 once it has expired", async () => {
    const clock = testClock();
    const rig = await setup({ overrides: { now: clock.now } });
    await uploaded(rig);
    const link = await listedLink(rig);
    clock.advance(59 * 60 * 1000);
    expect((await download(link)).status).toBe(200);
    clock.advance(61 * 1000 + 1000);
    const expired = await download(link);
    expect(expired.status).toBe(403);
    expect(expired.body.includes(FILE.subarray(0, 16))).toBe(false);
    // A fresh listing (with a fresh token: the old one has expired too) gives a working link.
    const token = await userToken(apiClient(rig.server), rig.account, HOST);
    const fresh = await listedLink(rig, token);
    expect(fresh).not.toBe(link);
    expect((await download(fresh)).body.equals(FILE)).toBe(true);
  });

  it("redirects a download link to the recording's external url", async () => {
    const rig = await setup();
    const id = hexId(12);
    rig.recording(id, {
      status: "UPLOADED",
      participants_ids: [HOST],
      url: "https://cdn.example.com/videos/quarterly.mp4",
    });
    await expect
      .poll(
        async () =>
          (await rig.meetings.get(`/meetings/recordings/${rig.meeting._id}`, rig.token)).body,
        { timeout: 10_000 },
      )
      .toHaveLength(1);
    const res = await fetch(await listedLink(rig), { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://cdn.example.com/videos/quarterly.mp4");
  });

  it("sends recording.done after the meeting ended and every recording is uploaded, in seed 002's shape", async () => {
    const clock = testClock();
    const rig = await setup({ overrides: { now: clock.now } });
    const { account, meeting, receiver } = rig;
    const hook = await createWebhook(apiClient(rig.server), account, {
      url: `${receiver.url}/native`,
      event_types: [
        "meeting.ended",
        "recording.statusUpdate",
        "recording.done",
        "livestreaming.statusUpdate",
      ],
    });
    rig.member("add-member", "call-1", 1);
    rig.member("add-member", "call-2", 2);
    const first = hexId(12);
    const second = hexId(12);
    rig.recording(first, { status: "RECORDING", participants_ids: [HOST] });
    rig.recording(second, { status: "RECORDING", participants_ids: [HOST, 6892477] });
    rig.recording(first, {
      status: "UPLOADED",
      duration: 5.082,
      size: 304_087,
      file_path: FILE_NAME,
      output_file_name: "619486cc-3cb5-4171-afe0-74c1f1805e9a_quarterly",
    });
    rig.member("del-member", "call-1", 1);
    rig.member("del-member", "call-2", 2);
    await receiver.waitFor(1, (r) => jsonBody(r).type === "meeting.ended");
    // The meeting has ended, the second recording is still being made: no recording.done yet.
    rig.recording(second, {
      status: "UPLOADED",
      duration: 8.862,
      size: 545_260,
      file_path: FILE_NAME,
      output_file_name: "5dfdffd3-1ffc-41f5-8d3c-6425df91c4b5_quarterly",
    });
    await receiver.waitFor(1, (r) => jsonBody(r).type === "recording.done");
    await rig.marker("LIVE");
    expect(labels(receiver)).toEqual([
      `recording.statusUpdate:${first}:RECORDING`,
      `recording.statusUpdate:${second}:RECORDING`,
      `recording.statusUpdate:${first}:UPLOADED`,
      "meeting.ended",
      `recording.statusUpdate:${second}:UPLOADED`,
      "recording.done",
      "livestreaming.statusUpdate",
    ]);

    const request = receiver.on("/native")[5] as ReceivedRequest;
    expect(verifyRequest(request, hook.secret)).toEqual(JSON.parse(request.body));
    const body = jsonBody(request);
    expect(keysOf(body)).toEqual(["data", "timestamp", "type"]);
    expect(body.type).toBe("recording.done");
    expect(body.timestamp).toMatch(ISO_MS);
    const { event, ...payload } = body.data;
    expect(event).toBe("recording.done");
    // Field for field: seed 002's keys (the meeting model adds parley's conference_id and url).
    expect(keysOf(payload)).toEqual(keysOf(seed002Done));
    expect(keysOf(payload.meeting)).toEqual(
      [...keysOf(seed002Done.meeting), "conference_id", "url"].sort(),
    );
    expect(keysOf(payload.hostUser)).toEqual(keysOf(seed002Done.hostUser));
    for (const record of payload.callRecords) {
      expect(keysOf(record)).toEqual(keysOf(seed002Done.callRecords[0]));
      // Same value types (participants_ids compared by its first element's type).
      const oneId = { ...record, participants_ids: record.participants_ids.slice(0, 1) };
      expect(shapeOf(oneId)).toEqual(shapeOf(seed002Done.callRecords[0]));
    }
    // Values: the meeting as the API shows it, its host, and both recordings.
    const current = (await rig.meetings.get(`/meetings?_id=${meeting._id}`, rig.token)).body[0];
    expect(payload.meeting).toEqual(current);
    expect(payload.hostUser).toMatchObject({ _id: expect.any(String), id: HOST });
    for (const key of ["created_at", "updated_at"]) {
      expect(payload.hostUser[key]).toMatch(ISO_S);
    }
    const listed = (await rig.meetings.get(`/meetings/recordings/${meeting._id}`, rig.token))
      .body as Json[];
    const byId = (id: string) => listed.find((r) => r._id === id);
    expect([...payload.callRecords].sort((a: Json, b: Json) => a.duration - b.duration)).toEqual([
      {
        ...byId(first),
        participants_ids: [HOST],
        participants_count: 1,
        duration: 5.082,
        size: 0.29,
        file_uid: "619486cc-3cb5-4171-afe0-74c1f1805e9a_quarterly",
        download_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/recordings\//),
      },
      {
        ...byId(second),
        participants_ids: [HOST, 6892477],
        participants_count: 2,
        duration: 8.862,
        size: 0.52,
        file_uid: "5dfdffd3-1ffc-41f5-8d3c-6425df91c4b5_quarterly",
        download_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/recordings\//),
      },
    ]);
    for (const record of payload.callRecords) {
      expect(record.room_id).toBe(meeting._id);
      expect(record.updated_at).toMatch(ISO_S);
    }

    // Its links serve the file for an hour, then expire.
    const link = payload.callRecords[0].download_url;
    const got = await download(link, { Range: "bytes=0-9" });
    expect([got.status, got.body.equals(FILE.subarray(0, 10))]).toEqual([206, true]);
    clock.advance(60 * 60 * 1000 + 1000);
    expect((await download(link)).status).toBe(403);
  });

  it("waits for the meeting to end before sending recording.done", async () => {
    const rig = await setup();
    const { receiver } = rig;
    await createWebhook(apiClient(rig.server), rig.account, {
      url: `${receiver.url}/native`,
      event_types: ["meeting.ended", "recording.statusUpdate", "recording.done"],
    });
    rig.member("add-member", "call-1", 1);
    const id = hexId(12);
    rig.recording(id, {
      status: "UPLOADED",
      participants_ids: [HOST],
      duration: 3,
      size: 1000,
      file_path: FILE_NAME,
    });
    await receiver.waitFor(1);
    rig.member("del-member", "call-1", 1);
    await receiver.waitFor(3);
    // Deliveries of one conference keep event order: done came after the end, not with the upload.
    expect(labels(receiver)).toEqual([
      `recording.statusUpdate:${id}:UPLOADED`,
      "meeting.ended",
      "recording.done",
    ]);
  });

  it("sends recording.done once: not again for a repeated upload or a later session", async () => {
    const rig = await setup();
    const { receiver } = rig;
    await createWebhook(apiClient(rig.server), rig.account, {
      url: `${receiver.url}/native`,
      event_types: ["recording.done", "livestreaming.statusUpdate"],
    });
    rig.member("add-member", "call-1", 1);
    const id = hexId(12);
    const upload = { status: "UPLOADED", participants_ids: [HOST], file_path: FILE_NAME };
    rig.recording(id, { ...upload, duration: 3 });
    rig.member("del-member", "call-1", 1);
    await receiver.waitFor(1, (r) => jsonBody(r).type === "recording.done");
    // The media server reports the upload again, and the meeting runs once more.
    rig.recording(id, { ...upload, duration: 3.5 });
    rig.member("add-member", "call-2", 2);
    rig.member("del-member", "call-2", 2);
    await rig.marker("OFFLINE");
    expect(labels(receiver)).toEqual(["recording.done", "livestreaming.statusUpdate"]);
  });

  it("posts bbb's rap-* event for each record-and-playback step, in seed 000's shape", async () => {
    const rig = await setup();
    const { meeting, receiver } = rig;
    const hook = await createWebhook(apiClient(rig.server), rig.account, {
      url: `${receiver.url}/bbb`,
      format: "bbb",
      event_types: ["recording.statusUpdate"],
    });
    rig.member("add-member", "call-1", 1);
    const id = hexId(12);
    // A status change without a step has no bbb event.
    rig.recording(id, { status: "RECORDING" });
    for (const [step] of rapSteps) {
      rig.recording(id, {
        status:
          step.startsWith("publish") || step.startsWith("post_publish") ? "UPLOADED" : "UPLOADING",
        step,
        file_path: FILE_NAME,
      });
    }
    await receiver.waitFor(rapSteps.length);
    const events = receiver.on("/bbb").map((request) => {
      expect(request.headers["content-type"]).toBe(
        "application/x-www-form-urlencoded;charset=UTF-8",
      );
      expect(verifyRequest(request, hook.secret, false)).toBeUndefined();
      const form = new URLSearchParams(request.body);
      expect([...form.keys()]).toEqual(["domain", "event", "timestamp"]);
      expect(form.get("timestamp")).toMatch(/^\d{13}$/);
      const list = JSON.parse(form.get("event") ?? "null") as Json[];
      expect(list).toHaveLength(1);
      return list[0];
    });
    expect(events.map((e) => e.data.id)).toEqual(rapSteps.map(([, bbbId]) => bbbId));
    const internalId = events[0].data.attributes.meeting["internal-meeting-id"];
    for (const event of events) {
      expect(shapeOf(event)).toEqual(shapeOf(seed000RapEvent));
      expect(event.data.type).toBe("event");
      expect(event.data.attributes.meeting).toEqual({
        "external-meeting-id": meeting.conference_id,
        "internal-meeting-id": internalId,
      });
      expect(event.data.attributes.event.ts).toBeGreaterThan(Date.now() - 60_000);
    }
    expect(typeof internalId).toBe("string");
  });
});

describe("the meeting's record flag over RabbitMQ", () => {
  it("publishes record start and stop commands, confirmed by the broker, on the conference's command key", async () => {
    const rig = await setup();
    const { meeting, meetings, token, probe } = rig;
    const path = `/meetings/${meeting._id}`;
    expect((await meetings.put(path, token, { record: true })).status).toBe(200);
    await expect.poll(() => probe.commands.length, { timeout: 10_000 }).toBe(1);
    expect((await meetings.put(path, token, { record: true })).status).toBe(200);
    expect((await meetings.put(path, token, { record: false })).status).toBe(200);
    await expect.poll(() => probe.commands.length, { timeout: 10_000 }).toBe(2);
    const command = (action: string) => ({
      routingKey: `conference.command.${meeting.conference_id}`,
      body: {
        "Event-Category": "conference",
        "Event-Name": "command",
        "Application-Name": "record",
        Action: action,
        "Conference-ID": meeting.conference_id,
        "Media-Name": expect.any(String),
        "Msg-ID": expect.any(String),
        "App-Name": "parley",
        "App-Version": expect.any(String),
      },
    });
    expect(probe.commands).toEqual([command("start"), command("stop")]);
    expect(probe.commands[0]?.body["Media-Name"]).toMatch(/\S/);
  });

  it("answers 503 and changes nothing when the media server cannot be told to record", async () => {
    const { server, topology, probe } = await startBrokerServerWith({});
    const api = apiClient(server);
    const account = await createAccount(api);
    const meetings = meetingsClient(api);
    const token = await userToken(api, account, HOST);
    const meeting = await createMeeting(meetings, token);
    // Commands go to the conference exchange: without it the broker refuses them.
    await probe.channel.deleteExchange(topology.exchange);
    const res = await meetings.put(`/meetings/${meeting._id}`, token, {
      record: true,
      name: "Recorded",
    });
    expect(res.status).toBe(503);
    expect(res.body).toHaveProperty("errors");
    expect((await meetings.get(`/meetings?_id=${meeting._id}`, token)).body).toEqual([meeting]);
    // What needs no command still works (it is written to parley's log, not sent to the switch).
    const renamed = await meetings.put(`/meetings/${meeting._id}`, token, { name: "Renamed" });
    expect(renamed.status).toBe(200);
    expect(renamed.body.record).toBe(false);
  });

  it("answers 503 and changes nothing when the broker is unreachable (the log is on it)", async () => {
    const server = await startServer({
      AMQP_URL: "amqp://guest:guest@127.0.0.1:1",
      AMQP_EXCHANGE: `parley.test.${hexId(6)}`,
      AMQP_QUEUE: `parley.test.${hexId(6)}.events`,
    });
    const api = apiClient(server);
    const created = await api.put("/v2/accounts", {
      token: ADMIN_TOKEN,
      body: { data: { name: "Unwritten" } },
    });
    expect(created.status).toBe(503);
    expect(created.body.message).toBe("service_unavailable");
    const listed = await api.get("/v2/accounts", { token: ADMIN_TOKEN });
    expect(listed.body.data).toEqual([]);
  });
});
