import { describe, expect, it } from "vitest";
import type { ParleyServer, ServerOverrides } from "../server/create-server";
import { apiClient, createAccount, type Json } from "./helpers/api";
import { type CurlResult, runCurl, shellWords } from "./helpers/curl";
import { hexId } from "./helpers/events";
import { captureCommands, embeddedBus } from "./helpers/live";
import {
  createMeeting,
  ISO_MS,
  ISO_S,
  keysOf,
  meetingBody,
  meetingsClient,
  OBJECT_ID,
  userToken,
} from "./helpers/meetings";
import { ADMIN_TOKEN, startServer } from "./helpers/server";

/** Seed 002's five curl examples, verbatim (one line each, as the seed prints them). */
const seedBaseUrl = "https://api.connectycube.com";
const seedMeetingId = "602f926aaa81493ce4c5788e";

const createCurl = String.raw`curl -X POST \-H "Content-Type: application/json" \-H "CB-Token: <TOKEN>" \-d '{"name": "Friday weekly sync", "start_date": 1613729948, "end_date": 1613731012, "attendees": [{"id": 245,"email": "email1@domen.com"}, {"id": 343}, {"email": "email2@domen.com"}], "record": false, "chat": true, "notify": true, "notify_before": {"metric": "minutes", "value": 10}, "timezone": {"offset": 120, "name": "Europe/Riga"} }' \https://api.connectycube.com/meetings`;
const listCurl = String.raw`curl -X GET \-H "CB-Token: <TOKEN>" \-d 'start_date[gte]=1613729948&scheduled=true&created_at[gt]=2021-02-19T10:26:49.013Z' \https://api.connectycube.com/meetings`;
const updateCurl = String.raw`curl -X PUT \-H "Content-Type: application/json" \-H "CB-Token: <TOKEN>" \-d '{"name": "Another meeting name", "start_date": 1613959948, "end_date": 1613956048, "attendees": [{"id": 1445,"email": "email3@domen.com"}, {"id": 3456 "email": "email4@domen.com"}], "record":true, "chat":true, "public": true, "scheduled": true, "notify_before": { "metric": "hours", "value": 1 }, "timezone": { "offset": -300, "name": "America/New_York" } }' \https://api.connectycube.com/meetings/602f926aaa81493ce4c5788e`;
const deleteCurl = String.raw`curl -X DELETE \-H "CB-Token: <TOKEN>" \https://api.connectycube.com/meetings/602f926aaa81493ce4c5788e`;
const recordingsCurl = String.raw`curl -X GET \-H "CB-Token: <TOKEN>" \https://api.connectycube.com/meetings/recordings/602f926aaa81493ce4c5788e`;

/** Seed 002's documented responses. */
const seedCreateResponse = {
  _id: "602f926aaa81493ce4c5788e",
  name: "Friday weekly sync",
  start_date: 1613729948,
  end_date: 1613731012,
  attendees: [{ id: 245, email: "email1@domen.com" }, { id: 343 }, { email: "email2@domen.com" }],
  record: false,
  chat_dialog_id: "602f9ea20740a24ec238d9da",
  created_at: "2021-02-19T10:26:50.013Z",
  updated_at: "2021-02-19T10:26:50.013Z",
  host_id: 811,
  scheduled: false,
  notify: true,
  notify_before: { metric: "minutes", value: 10 },
  timezone: { offset: 120, name: "Europe/Riga" },
};
const seedListResponse = [
  {
    _id: "602f926aaa81493ce4c5788e",
    name: "Friday weekly sync",
    start_date: 1613729948,
    end_date: 1613731012,
    attendees: [{ id: 245, email: "email1@domen.com" }, { id: 343 }, { email: "email2@domen.com" }],
    record: null,
    chat_dialog_id: null,
    created_at: "2021-02-19T10:26:50.013Z",
    updated_at: "2021-02-19T10:26:50.013Z",
    host_id: 811,
    scheduled: false,
    notify: true,
    notify_before: { metric: "minutes", value: 10 },
    timezone: { offset: 120, name: "Europe/Riga" },
  },
];
const seedUpdateResponse = {
  _id: "602f926aaa81493ce4c5788e",
  name: "Another meeting name",
  start_date: 1613959948,
  end_date: 1613956048,
  attendees: [{ id: 1445, email: "email3@domen.com" }, { id: 3456 }, { email: "email4@domen.com" }],
  record: true,
  chat_dialog_id: null,
  created_at: "2021-02-19T10:26:50.013Z",
  updated_at: "2021-02-19T10:28:50.142Z",
  host_id: 811,
  public: true,
  scheduled: true,
  notify: true,
  notify_before: { metric: "hours", value: 1 },
  timezone: { offset: -300, name: "America/New_York" },
};
const seedRecordingsResponse = [
  {
    _id: "649061c8d0b83a4a6dc85d0c",
    room_id: "602f926aaa81493ce4c5788e",
    participants_ids: [78934, 894946],
    updated_at: "2023-06-19T14:10:17Z",
    created_at: "2023-06-19T14:10:16Z",
    download_url:
      "https://cb-recordings.s3.amazonaws.com/videos/dHk9xJQkGjw4ZD8rpuPsVeiD?AWSAccessKeyId=XXXXXXXXXXXX&Expires=1687187417&Signature=uRGxX1mCqLFKoPpP3RJGS0hG5pc%3D&response-cache-control=max-age%3D604800",
    participants_count: 2,
    duration: 6.062,
    size: 0.34,
  },
];

/** The model's keys: every key of the seed's examples, plus parley's `conference_id` and `url`. */
const MODEL_KEYS = [...keysOf(seedUpdateResponse), "conference_id", "url"].sort();

const HOST = 811;

async function setup(env: Record<string, string> = {}, overrides: ServerOverrides = {}) {
  const server = await startServer(env, overrides);
  const api = apiClient(server);
  const account = await createAccount(api);
  const meetings = meetingsClient(api);
  const host = await userToken(api, account, HOST);
  return { server, api, account, meetings, host };
}

/** Substitutes the seed's placeholders and base URL, then splits the command as a shell would. */
function seedCurlArgs(
  template: string,
  server: ParleyServer,
  token: string,
  meetingId = seedMeetingId,
): string[] {
  const command = template
    .replaceAll("<TOKEN>", token)
    .replaceAll(seedMeetingId, meetingId)
    .replaceAll(seedBaseUrl, server.url);
  expect(command).not.toMatch(/<[A-Z_]+>/);
  const words = shellWords(command);
  expect(words[0]).toBe("curl");
  return words.slice(1);
}

function jsonOf(result: CurlResult): Json {
  return JSON.parse(result.body);
}

/** The model parley answers for the seed's create example, ids and dates as types. */
function expectedCreated(overrides: Record<string, unknown> = {}) {
  return {
    ...seedCreateResponse,
    _id: expect.stringMatching(OBJECT_ID),
    chat_dialog_id: expect.stringMatching(OBJECT_ID),
    created_at: expect.stringMatching(ISO_MS),
    updated_at: expect.stringMatching(ISO_MS),
    public: false,
    conference_id: expect.any(String),
    url: null,
    ...overrides,
  };
}

describe("seed 002 curl examples, run literally with curl", () => {
  it("splits the seed's create example into curl's words as a shell would", () => {
    expect(shellWords(createCurl).slice(0, 8)).toEqual([
      "curl",
      "-X",
      "POST",
      "-H",
      "Content-Type: application/json",
      "-H",
      "CB-Token: <TOKEN>",
      "-d",
    ]);
    expect(shellWords(createCurl).at(-1)).toBe("https://api.connectycube.com/meetings");
    expect(shellWords(listCurl)).toEqual([
      "curl",
      "-X",
      "GET",
      "-H",
      "CB-Token: <TOKEN>",
      "-d",
      "start_date[gte]=1613729948&scheduled=true&created_at[gt]=2021-02-19T10:26:49.013Z",
      "https://api.connectycube.com/meetings",
    ]);
  });

  it("creates the seed's meeting with the create example: 201 and the seed's model", async () => {
    const { server, api, account, meetings, host } = await setup();
    const result = await runCurl(seedCurlArgs(createCurl, server, host));
    expect(result.status).toBe(201);
    const created = jsonOf(result);
    expect(created).toEqual(expectedCreated());
    expect(keysOf(created)).toEqual(MODEL_KEYS);
    expect(created.created_at).toBe(created.updated_at);
    expect(created.chat_dialog_id).not.toBe(created._id);

    // The same model comes back from the API, and the meeting owns a conference with its name.
    const listed = await meetings.get(`/meetings?_id=${created._id}`, host);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([created]);
    const conference = await api.get(
      `/v2/accounts/${account.id}/conferences/${created.conference_id}`,
      { token: account.token },
    );
    expect(conference.status).toBe(200);
    expect(conference.body.data.name).toBe("Friday weekly sync");
  });

  it("lists with the list example (filters sent as a form body on GET) in the seed's model", async () => {
    // The clock starts exactly at the example's created_at[gt] bound.
    let clock = Date.parse("2021-02-19T10:26:49.013Z");
    const { server, meetings, host } = await setup({}, { now: () => clock });
    const atBound = await createMeeting(meetings, host, {
      name: "created at the bound",
      start_date: 1613729948,
      scheduled: true,
    });
    clock += 1000;
    const created = jsonOf(await runCurl(seedCurlArgs(createCurl, server, host)));
    const scheduled = await meetings.put(`/meetings/${created._id}`, host, { scheduled: true });
    expect(scheduled.status).toBe(200);
    await createMeeting(meetings, host, { name: "starts too early", start_date: 1613729947 });
    await createMeeting(meetings, host, { name: "not scheduled", start_date: 1613729948 });

    const result = await runCurl(seedCurlArgs(listCurl, server, host));
    expect(result.status).toBe(200);
    // curl sends -d as a form body, even on GET
    const listed = jsonOf(result);
    expect(listed).toEqual([scheduled.body]);
    const [first] = listed as Json[];
    const [seed] = seedListResponse;
    expect(keysOf(first)).toEqual([...keysOf(seed), "conference_id", "public", "url"].sort());
    expect(first).toMatchObject({
      name: seed?.name,
      start_date: seed?.start_date,
      end_date: seed?.end_date,
      attendees: seed?.attendees,
      host_id: seed?.host_id,
      notify: seed?.notify,
      notify_before: seed?.notify_before,
      timezone: seed?.timezone,
      scheduled: true,
      _id: expect.stringMatching(OBJECT_ID),
      created_at: "2021-02-19T10:26:50.013Z",
      updated_at: expect.stringMatching(ISO_MS),
    });
    expect(typeof first.record).toBe("boolean");
    expect(first.chat_dialog_id).toMatch(OBJECT_ID);
    expect(listed.map((m: Json) => m._id)).not.toContain(atBound._id);
  });

  it("updates with the update example, repairing its missing comma, and starts recording", async () => {
    const { server, meetings, host } = await setup();
    const commands = captureCommands(embeddedBus(server));
    const created = jsonOf(await runCurl(seedCurlArgs(createCurl, server, host)));
    const result = await runCurl(seedCurlArgs(updateCurl, server, host, created._id));
    expect(result.status).toBe(200);
    const updated = jsonOf(result);
    expect(updated).toEqual({
      ...seedUpdateResponse,
      _id: created._id,
      // The request's second attendee is `{"id": 3456 "email": "email4@domen.com"}`: with its
      // comma restored it is one attendee with both keys (the seed's response lists three).
      attendees: [
        { id: 1445, email: "email3@domen.com" },
        { id: 3456, email: "email4@domen.com" },
      ],
      // The meeting already has a chat dialog from its creation; "chat": true keeps it.
      chat_dialog_id: created.chat_dialog_id,
      created_at: created.created_at,
      updated_at: expect.stringMatching(ISO_MS),
      conference_id: created.conference_id,
      url: null,
    });
    expect(keysOf(updated)).toEqual(MODEL_KEYS);
    expect(Date.parse(updated.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
    expect((await meetings.get(`/meetings?_id=${created._id}`, host)).body).toEqual([updated]);

    // "record": false → true starts recording on the media server.
    expect(commands).toHaveLength(1);
    expect(commands[0]?.routingKey).toBe(`conference.command.${created.conference_id}`);
    expect(commands[0]?.command).toMatchObject({
      "Event-Category": "conference",
      "Event-Name": "command",
      "Application-Name": "record",
      Action: "start",
      "Conference-ID": created.conference_id,
      "Media-Name": expect.any(String),
      "App-Name": "parley",
    });
  });

  it("deletes with the delete example: 200 with an empty body, the meeting and its conference gone", async () => {
    const { server, api, account, meetings, host } = await setup();
    const created = jsonOf(await runCurl(seedCurlArgs(createCurl, server, host)));
    const result = await runCurl(seedCurlArgs(deleteCurl, server, host, created._id));
    expect(result.status).toBe(200);
    expect(result.body).toBe("");

    expect((await meetings.get(`/meetings?_id=${created._id}`, host)).body).toEqual([]);
    expect((await meetings.get("/meetings", host)).body).toEqual([]);
    expect((await meetings.put(`/meetings/${created._id}`, host, { name: "x" })).status).toBe(404);
    expect((await meetings.get(`/meetings/recordings/${created._id}`, host)).status).toBe(404);
    const again = await runCurl(seedCurlArgs(deleteCurl, server, host, created._id));
    expect(again.status).toBe(404);
    const conference = await api.get(
      `/v2/accounts/${account.id}/conferences/${created.conference_id}`,
      { token: account.token },
    );
    expect(conference.status).toBe(404);
  });

  it("lists a meeting's recordings with the recordings example in the seed's recording model", async () => {
    const { server, meetings, host } = await setup({ RECORDINGS_DIR: "/nonexistent" });
    const created = jsonOf(await runCurl(seedCurlArgs(createCurl, server, host)));
    const empty = await runCurl(seedCurlArgs(recordingsCurl, server, host, created._id));
    expect(empty.status).toBe(200);
    expect(jsonOf(empty)).toEqual([]);

    const bus = embeddedBus(server);
    const ids = [hexId(12), hexId(12)];
    bus.publishEvent(`recording.event.${created.conference_id}.${ids[0]}`, {
      status: "UPLOADED",
      participants_ids: [78934, 894946],
      duration: 6.062,
      size: 356_515,
      file_path: "a.mp4",
    });
    bus.publishEvent(`recording.event.${created.conference_id}.${ids[1]}`, {
      status: "UPLOADED",
      participants_ids: [32885, 894946],
      duration: 8.671,
      size: 597_688,
      file_path: "b.mp4",
    });
    await expect
      .poll(async () => (await meetings.get(`/meetings/recordings/${created._id}`, host)).body)
      .toHaveLength(2);

    const result = await runCurl(seedCurlArgs(recordingsCurl, server, host, created._id));
    expect(result.status).toBe(200);
    const recordings = jsonOf(result) as Json[];
    const [seed] = seedRecordingsResponse;
    for (const recording of recordings) {
      expect(keysOf(recording)).toEqual(keysOf(seed));
      expect(recording).toEqual({
        _id: expect.any(String),
        room_id: created._id,
        participants_ids: expect.any(Array),
        participants_count: 2,
        duration: expect.any(Number),
        size: expect.any(Number),
        download_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/recordings\//),
        created_at: expect.stringMatching(ISO_S),
        updated_at: expect.stringMatching(ISO_S),
      });
    }
    // Both arrived in one batch (same created_at): compare them in a fixed order.
    const byDuration = [...recordings].sort((x, y) => x.duration - y.duration);
    expect(byDuration.map((r) => [r._id, r.participants_ids, r.duration, r.size])).toEqual([
      [ids[0], [78934, 894946], 6.062, 0.34],
      [ids[1], [32885, 894946], 8.671, 0.57],
    ]);
  });

  it("runs the five examples in order against one meeting", async () => {
    const { server, meetings, host } = await setup();
    const created = await runCurl(seedCurlArgs(createCurl, server, host));
    expect(created.status).toBe(201);
    const id = jsonOf(created)._id;
    const listedBefore = await runCurl(seedCurlArgs(listCurl, server, host));
    // Not scheduled yet: the example's scheduled=true filter leaves it out.
    expect(jsonOf(listedBefore)).toEqual([]);
    const updated = await runCurl(seedCurlArgs(updateCurl, server, host, id));
    expect(updated.status).toBe(200);
    const listed = await runCurl(seedCurlArgs(listCurl, server, host));
    expect(jsonOf(listed)).toEqual([jsonOf(updated)]);
    const recordings = await runCurl(seedCurlArgs(recordingsCurl, server, host, id));
    expect([recordings.status, jsonOf(recordings)]).toEqual([200, []]);
    const deleted = await runCurl(seedCurlArgs(deleteCurl, server, host, id));
    expect([deleted.status, deleted.body]).toEqual([200, ""]);
    expect((await meetings.get("/meetings", host)).body).toEqual([]);
  });
});

describe("meetings API: authentication and the host's rights", () => {
  it("answers 401 without a token or with an invalid one, on every route", async () => {
    const { meetings, host } = await setup();
    const meeting = await createMeeting(meetings, host);
    const routes: Array<[string, string, unknown]> = [
      ["POST", "/meetings", meetingBody()],
      ["POST", "/meetings.json", meetingBody()],
      ["GET", "/meetings", undefined],
      ["GET", "/meetings.json", undefined],
      ["PUT", `/meetings/${meeting._id}`, { name: "x" }],
      ["PUT", `/meetings/${meeting._id}.json`, { name: "x" }],
      ["DELETE", `/meetings/${meeting._id}`, undefined],
      ["GET", `/meetings/recordings/${meeting._id}`, undefined],
    ];
    const calls = {
      GET: meetings.get,
      POST: meetings.post,
      PUT: meetings.put,
      DELETE: meetings.delete,
    } as const;
    for (const [method, path, body] of routes) {
      const call = calls[method as keyof typeof calls];
      for (const token of [undefined, "not-a-token", `${host}x`]) {
        const res = await call(path, token, body);
        expect(res.status, `${method} ${path} with ${token ?? "no token"}`).toBe(401);
        expect(res.body).toHaveProperty("errors");
      }
    }
    expect((await meetings.get("/meetings", host)).body).toEqual([meeting]);
  });

  it("answers 403 to a token without a user_id, and to the admin token", async () => {
    const { meetings, account, host } = await setup();
    const meeting = await createMeeting(meetings, host);
    for (const token of [account.token, ADMIN_TOKEN]) {
      const results = [
        await meetings.post("/meetings", token, meetingBody()),
        await meetings.get("/meetings", token),
        await meetings.put(`/meetings/${meeting._id}`, token, { name: "x" }),
        await meetings.delete(`/meetings/${meeting._id}`, token),
        await meetings.get(`/meetings/recordings/${meeting._id}`, token),
      ];
      for (const res of results) {
        expect(res.status).toBe(403);
        expect(res.body).toHaveProperty("errors");
      }
    }
    expect((await meetings.get("/meetings", host)).body).toEqual([meeting]);
  });

  it("takes the token in X-Auth-Token as well as CB-Token", async () => {
    const { api, meetings, host } = await setup();
    const created = await api.post("/meetings", { token: host, body: meetingBody() });
    expect(created.status).toBe(201);
    expect(created.body.host_id).toBe(HOST);
    const listed = await api.get("/meetings", { token: host });
    expect(listed.body).toEqual([created.body]);
    expect((await meetings.get("/meetings", host)).body).toEqual([created.body]);
  });

  it("makes the token's user the host: a numeric user_id is a number, any other a string", async () => {
    const { api, account, meetings } = await setup();
    const numeric = await createMeeting(meetings, await userToken(api, account, 811));
    expect(numeric.host_id).toBe(811);
    const named = await createMeeting(meetings, await userToken(api, account, "user-abc"));
    expect(named.host_id).toBe("user-abc");
  });

  it("lets only the host update or delete: an attendee gets 403 and the meeting is unchanged", async () => {
    const { api, account, meetings, host } = await setup();
    const meeting = await createMeeting(meetings, host, {
      attendees: [{ id: 245 }, { email: "guest@example.com" }],
    });
    const attendee = await userToken(api, account, 245);
    // The attendee sees it…
    expect((await meetings.get("/meetings", attendee)).body).toEqual([meeting]);
    expect((await meetings.get(`/meetings/recordings/${meeting._id}`, attendee)).status).toBe(200);
    // …but may not change it.
    const put = await meetings.put(`/meetings/${meeting._id}`, attendee, { name: "Hijacked" });
    expect(put.status).toBe(403);
    expect(put.body.errors).toEqual(expect.any(Array));
    const del = await meetings.delete(`/meetings/${meeting._id}`, attendee);
    expect(del.status).toBe(403);
    expect((await meetings.get("/meetings", host)).body).toEqual([meeting]);
    // The host may.
    const renamed = await meetings.put(`/meetings/${meeting._id}`, host, { name: "Renamed" });
    expect(renamed.status).toBe(200);
    expect((await meetings.delete(`/meetings/${meeting._id}`, host)).status).toBe(200);
  });

  it("answers 404 for an unknown meeting and for another account's meeting", async () => {
    const { api, meetings, host } = await setup();
    const meeting = await createMeeting(meetings, host, { public: true });
    const other = await createAccount(api, "Other");
    const stranger = await userToken(api, other, HOST);
    const unknown = hexId(12);
    for (const [id, token] of [
      [unknown, host],
      [meeting._id, stranger],
    ] as const) {
      expect((await meetings.put(`/meetings/${id}`, token, { name: "x" })).status).toBe(404);
      expect((await meetings.delete(`/meetings/${id}`, token)).status).toBe(404);
      const recordings = await meetings.get(`/meetings/recordings/${id}`, token);
      expect(recordings.status).toBe(404);
      expect(recordings.body).toHaveProperty("errors");
      const listed = await meetings.get(`/meetings?_id=${id}`, token);
      expect([listed.status, listed.body]).toEqual([200, []]);
    }
    expect((await meetings.get("/meetings", host)).body).toEqual([meeting]);
  });

  it("lets any user of the account fetch a public meeting by _id, and only by _id", async () => {
    const { api, account, meetings, host } = await setup();
    const open = await createMeeting(meetings, host, { name: "Open", public: true });
    const closed = await createMeeting(meetings, host, { name: "Closed" });
    const outsider = await userToken(api, account, 999);
    expect((await meetings.get(`/meetings?_id=${open._id}`, outsider)).body).toEqual([open]);
    expect((await meetings.get(`/meetings.json?_id=${open._id}`, outsider)).body).toEqual([open]);
    expect((await meetings.get(`/meetings?_id=${closed._id}`, outsider)).body).toEqual([]);
    expect((await meetings.get("/meetings", outsider)).body).toEqual([]);
    // Seeing is not owning.
    expect((await meetings.put(`/meetings/${open._id}`, outsider, { name: "x" })).status).toBe(403);
    // Made private again, it is out of reach.
    await meetings.put(`/meetings/${open._id}`, host, { public: false });
    expect((await meetings.get(`/meetings?_id=${open._id}`, outsider)).body).toEqual([]);
  });

  it("lists the meetings a user hosts or attends by id, not those they attend by email only", async () => {
    const { api, account, meetings, host } = await setup();
    const a = await createMeeting(meetings, host, { name: "A", attendees: [{ id: 245 }] });
    const b = await createMeeting(meetings, host, {
      name: "B",
      attendees: [{ email: "245@example.com" }],
    });
    const attendee = await userToken(api, account, 245);
    const own = await createMeeting(meetings, attendee, { name: "C", attendees: [{ id: 1 }] });
    expect((await meetings.get("/meetings", attendee)).body).toEqual([a, own]);
    expect((await meetings.get("/meetings", host)).body).toEqual([a, b]);
    expect((await meetings.get("/meetings", await userToken(api, account, 1))).body).toEqual([own]);
  });
});

describe("meetings API: create, update and the .json routes", () => {
  it("creates through POST /meetings.json and updates through PUT /meetings/{id}.json", async () => {
    const { meetings, host } = await setup();
    const created = await meetings.post("/meetings.json", host, meetingBody({ name: "Json" }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ _id: expect.stringMatching(OBJECT_ID), name: "Json" });
    const updated = await meetings.put(`/meetings/${created.body._id}.json`, host, {
      name: "Json 2",
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ _id: created.body._id, name: "Json 2" });
    expect((await meetings.get("/meetings.json", host)).body).toEqual([updated.body]);
    expect((await meetings.delete(`/meetings/${created.body._id}.json`, host)).status).toBe(200);
    expect((await meetings.get("/meetings.json", host)).body).toEqual([]);
  });

  it("fills the optional fields with their defaults", async () => {
    const { meetings, host } = await setup();
    const created = await createMeeting(meetings, host, {
      attendees: [{ email: "only@example.com" }],
    });
    expect(created).toEqual({
      _id: expect.stringMatching(OBJECT_ID),
      name: "Weekly sync",
      start_date: 1_900_000_000,
      end_date: 1_900_003_600,
      attendees: [{ email: "only@example.com" }],
      record: false,
      chat_dialog_id: null,
      created_at: expect.stringMatching(ISO_MS),
      updated_at: expect.stringMatching(ISO_MS),
      host_id: HOST,
      public: false,
      scheduled: false,
      notify: false,
      notify_before: null,
      timezone: null,
      conference_id: expect.any(String),
      url: null,
    });
  });

  it("builds url from MEETING_URL_TEMPLATE with %s replaced by the meeting's _id", async () => {
    const { meetings, host } = await setup({
      MEETING_URL_TEMPLATE: "https://meeting.host.domain/conference/join/%s",
    });
    const created = await createMeeting(meetings, host);
    expect(created.url).toBe(`https://meeting.host.domain/conference/join/${created._id}`);
    expect((await meetings.get("/meetings", host)).body[0].url).toBe(created.url);
  });

  it("gives each meeting its own conference, renamed with the meeting", async () => {
    const { api, account, meetings, host } = await setup();
    const a = await createMeeting(meetings, host, { name: "First" });
    const b = await createMeeting(meetings, host, { name: "Second" });
    expect(a.conference_id).not.toBe(b.conference_id);
    const conferencePath = `/v2/accounts/${account.id}/conferences/${a.conference_id}`;
    expect((await api.get(conferencePath, { token: account.token })).body.data.name).toBe("First");
    await meetings.put(`/meetings/${a._id}`, host, { name: "First, renamed" });
    expect((await api.get(conferencePath, { token: account.token })).body.data.name).toBe(
      "First, renamed",
    );
  });

  it("applies a partial update and keeps every other field", async () => {
    let clock = 1_700_000_000_000;
    const { meetings, host } = await setup({}, { now: () => clock });
    const created = await createMeeting(meetings, host, {
      chat: true,
      notify: true,
      notify_before: { metric: "days", value: 2 },
      timezone: { offset: 120, name: "Europe/Riga" },
    });
    clock += 5000;
    const updated = await meetings.put(`/meetings/${created._id}`, host, {
      end_date: 1_900_007_200,
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({
      ...created,
      end_date: 1_900_007_200,
      updated_at: new Date(clock).toISOString(),
    });
    // null clears the nullable objects
    const cleared = await meetings.put(`/meetings/${created._id}`, host, {
      notify_before: null,
      timezone: null,
    });
    expect(cleared.body).toMatchObject({ notify_before: null, timezone: null, notify: true });
  });

  it("creates a chat dialog id when chat is true, and none otherwise", async () => {
    const { meetings, host } = await setup();
    const withChat = await createMeeting(meetings, host, { chat: true });
    const withoutChat = await createMeeting(meetings, host, { chat: false });
    expect(withChat.chat_dialog_id).toMatch(OBJECT_ID);
    expect(withoutChat.chat_dialog_id).toBeNull();
  });

  it("publishes record start on false → true, stop on true → false, nothing when unchanged", async () => {
    const { server, meetings, host } = await setup();
    const commands = captureCommands(embeddedBus(server));
    const meeting = await createMeeting(meetings, host);
    const path = `/meetings/${meeting._id}`;
    expect((await meetings.put(path, host, { record: true })).body.record).toBe(true);
    expect((await meetings.put(path, host, { record: true })).body.record).toBe(true);
    expect((await meetings.put(path, host, { name: "Still recording" })).status).toBe(200);
    expect((await meetings.put(path, host, { record: false })).body.record).toBe(false);
    expect(commands.map((c) => [c.routingKey, c.command.Action])).toEqual([
      [`conference.command.${meeting.conference_id}`, "start"],
      [`conference.command.${meeting.conference_id}`, "stop"],
    ]);
    for (const { command } of commands) {
      expect(command).toMatchObject({
        "Event-Category": "conference",
        "Event-Name": "command",
        "Application-Name": "record",
        "Conference-ID": meeting.conference_id,
        "Media-Name": expect.any(String),
        "App-Name": "parley",
      });
    }
  });
});

describe("meetings API: validation (422, errors keyed by field)", () => {
  const required = ["name", "start_date", "end_date", "attendees"];
  for (const field of required) {
    it(`requires ${field} on create`, async () => {
      const { meetings, host } = await setup();
      const body = meetingBody();
      delete body[field];
      const res = await meetings.post("/meetings", host, body);
      expect(res.status).toBe(422);
      expect(res.body.errors[field]).toContain("is required");
      expect((await meetings.get("/meetings", host)).body).toEqual([]);
    });
  }

  it("names every missing required field at once", async () => {
    const { meetings, host } = await setup();
    const res = await meetings.post("/meetings", host, {});
    expect(res.status).toBe(422);
    for (const field of required) {
      expect(res.body.errors[field]).toContain("is required");
    }
  });

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    ["an empty name", { name: "" }, "name"],
    ["a name that is not a string", { name: 42 }, "name"],
    ["a start_date that is not a timestamp", { start_date: "tomorrow" }, "start_date"],
    ["a negative end_date", { end_date: -5 }, "end_date"],
    ["attendees that are not an array", { attendees: "everyone" }, "attendees"],
    ["an attendee with neither id nor email", { attendees: [{ id: 1 }, {}] }, "attendees.1"],
    ["an attendee id that is not an integer", { attendees: [{ id: "x" }] }, "attendees.0.id"],
    [
      "an unknown notify_before metric",
      { notify_before: { metric: "months", value: 1 } },
      "notify_before.metric",
    ],
    [
      "a notify_before without a value",
      { notify_before: { metric: "hours" } },
      "notify_before.value",
    ],
    [
      "a timezone offset that is not an integer",
      { timezone: { offset: "east", name: "X" } },
      "timezone.offset",
    ],
    ["a timezone without a name", { timezone: { offset: 60 } }, "timezone.name"],
    ["a record flag that is not a boolean", { record: "perhaps" }, "record"],
    ["a chat flag that is not a boolean", { chat: "perhaps" }, "chat"],
    ["a public flag that is not a boolean", { public: "perhaps" }, "public"],
    ["a scheduled flag that is not a boolean", { scheduled: "perhaps" }, "scheduled"],
    ["a notify flag that is not a boolean", { notify: "perhaps" }, "notify"],
  ];
  for (const [what, override, field] of invalid) {
    it(`refuses ${what} with 422 naming ${field}, on create and on update`, async () => {
      const { meetings, host } = await setup();
      const created = await meetings.post("/meetings", host, meetingBody(override));
      expect(created.status).toBe(422);
      expect(Object.keys(created.body.errors)).toContain(field);
      expect(created.body.errors[field]).toEqual([expect.any(String)]);

      const meeting = await createMeeting(meetings, host);
      const updated = await meetings.put(`/meetings/${meeting._id}`, host, override);
      expect(updated.status).toBe(422);
      expect(Object.keys(updated.body.errors)).toContain(field);
      expect((await meetings.get("/meetings", host)).body).toEqual([meeting]);
    });
  }

  const ranges = {
    minutes: [0, 55],
    hours: [1, 24],
    days: [1, 30],
    weeks: [1, 4],
  } as const;
  for (const [metric, [min, max]] of Object.entries(ranges)) {
    it(`accepts notify_before ${metric} from ${min} to ${max} and refuses ${min - 1} and ${max + 1}`, async () => {
      const { meetings, host } = await setup();
      for (const value of [min, max]) {
        const res = await meetings.post(
          "/meetings",
          host,
          meetingBody({ notify_before: { metric, value } }),
        );
        expect(res.status, `${metric} ${value}`).toBe(201);
        expect(res.body.notify_before).toEqual({ metric, value });
      }
      for (const value of [min - 1, max + 1]) {
        const res = await meetings.post(
          "/meetings",
          host,
          meetingBody({ notify_before: { metric, value } }),
        );
        expect(res.status, `${metric} ${value}`).toBe(422);
        expect(Object.keys(res.body.errors)).toEqual(["notify_before.value"]);
      }
      const [meeting] = (await meetings.get("/meetings", host)).body as Json[];
      const update = await meetings.put(`/meetings/${meeting._id}`, host, {
        notify_before: { metric, value: max + 1 },
      });
      expect(update.status).toBe(422);
      expect(Object.keys(update.body.errors)).toEqual(["notify_before.value"]);
      expect((await meetings.get(`/meetings?_id=${meeting._id}`, host)).body).toEqual([meeting]);
    });
  }
});

describe("meetings API: listing filters, limit and offset", () => {
  /**
   * Three meetings created 10 s apart (A, B, C) with start dates 1000/2000/3000 and end dates
   * 1500/2500/3500; B updated 10 s after C was created.
   */
  async function filterRig() {
    const t0 = 1_700_000_000_000;
    let clock = t0;
    const rig = await setup({}, { now: () => clock });
    const { meetings, host } = rig;
    const times = { a: t0 + 10_000, b: t0 + 20_000, c: t0 + 30_000, bUpdated: t0 + 40_000 };
    clock = times.a;
    const a = await createMeeting(meetings, host, {
      name: "A",
      start_date: 1000,
      end_date: 1500,
      scheduled: true,
    });
    clock = times.b;
    const b0 = await createMeeting(meetings, host, { name: "B", start_date: 2000, end_date: 2500 });
    clock = times.c;
    const c = await createMeeting(meetings, host, {
      name: "C",
      start_date: 3000,
      end_date: 3500,
      scheduled: true,
    });
    clock = times.bUpdated;
    const b = (await meetings.put(`/meetings/${b0._id}`, host, { public: true })).body;
    const names = (rows: Json[]) => rows.map((m) => m.name).join(",");
    return { ...rig, a, b, c, times, names };
  }

  const iso = (ms: number) => new Date(ms).toISOString();
  const sec = (ms: number) => String(ms / 1000);

  /** [query, expected names] for the three meetings of `filterRig`. */
  function filterCases(times: { a: number; b: number; c: number; bUpdated: number }) {
    return [
      ["start_date[gt]=2000", "C"],
      ["start_date[gte]=2000", "B,C"],
      ["start_date[lt]=2000", "A"],
      ["start_date[lte]=2000", "A,B"],
      ["start_date=2000", "B"],
      ["end_date[gt]=2500", "C"],
      ["end_date[gte]=2500", "B,C"],
      ["end_date[lt]=2500", "A"],
      ["end_date[lte]=2500", "A,B"],
      ["end_date=2500", "B"],
      [`created_at[gt]=${iso(times.b)}`, "C"],
      [`created_at[gte]=${iso(times.b)}`, "B,C"],
      [`created_at[lt]=${iso(times.b)}`, "A"],
      [`created_at[lte]=${iso(times.b)}`, "A,B"],
      [`created_at=${iso(times.b)}`, "B"],
      [`created_at[gt]=${sec(times.b)}`, "C"],
      [`created_at[lte]=${sec(times.b)}`, "A,B"],
      [`updated_at[gt]=${iso(times.c)}`, "B"],
      [`updated_at[gte]=${iso(times.c)}`, "B,C"],
      [`updated_at[lt]=${iso(times.c)}`, "A"],
      [`updated_at[lte]=${iso(times.c)}`, "A,C"],
      [`updated_at=${sec(times.bUpdated)}`, "B"],
      ["scheduled=true", "A,C"],
      ["scheduled=false", "B"],
      ["start_date[gte]=1000&start_date[lt]=3000&scheduled=true", "A"],
      [`end_date[gt]=1500&created_at[lt]=${iso(times.c)}`, "B"],
      ["start_date[gt]=3000", ""],
    ] as const;
  }

  it("filters in the query string with gt, gte, lt, lte and equality on every field, and scheduled", async () => {
    const { meetings, host, times, names } = await filterRig();
    expect(names((await meetings.get("/meetings", host)).body)).toBe("A,B,C");
    for (const [query, expected] of filterCases(times)) {
      const res = await meetings.get(`/meetings?${query}`, host);
      expect(res.status, query).toBe(200);
      expect(names(res.body), query).toBe(expected);
    }
  });

  it("filters the same way when curl sends them as a form body on GET", async () => {
    const { server, host, times } = await filterRig();
    for (const [query, expected] of filterCases(times)) {
      const result = await runCurl([
        "-X",
        "GET",
        "-H",
        `CB-Token: ${host}`,
        "-d",
        query,
        `${server.url}/meetings`,
      ]);
      expect(result.status, query).toBe(200);
      expect((JSON.parse(result.body) as Json[]).map((m) => m.name).join(","), query).toBe(
        expected,
      );
    }
  });

  it("filters with brackets in the URL sent by curl -g, and on /meetings.json", async () => {
    const { server, host } = await filterRig();
    for (const path of ["/meetings", "/meetings.json"]) {
      const result = await runCurl([
        "-g",
        "-H",
        `CB-Token: ${host}`,
        `${server.url}${path}?start_date[gte]=2000&end_date[lt]=3500`,
      ]);
      expect(result.status).toBe(200);
      expect((JSON.parse(result.body) as Json[]).map((m) => m.name)).toEqual(["B"]);
    }
  });

  it("combines a filter with _id", async () => {
    const { meetings, host, b, names } = await filterRig();
    expect(names((await meetings.get(`/meetings?_id=${b._id}&scheduled=false`, host)).body)).toBe(
      "B",
    );
    expect(names((await meetings.get(`/meetings?_id=${b._id}&scheduled=true`, host)).body)).toBe(
      "",
    );
  });

  const badFilters: Array<[string, string]> = [
    ["start_date[gte]=soon", "start_date[gte]"],
    ["end_date=2021-02-19T10:26:49.013Z", "end_date"],
    ["created_at[gt]=not-a-date", "created_at[gt]"],
    ["updated_at[lte]=yesterday", "updated_at[lte]"],
    ["scheduled=maybe", "scheduled"],
    ["limit=-1", "limit"],
    ["limit=ten", "limit"],
    ["offset=-3", "offset"],
  ];
  for (const [query, key] of badFilters) {
    it(`refuses ${query} with 422 naming ${key}`, async () => {
      const { meetings, host } = await setup();
      await createMeeting(meetings, host);
      const res = await meetings.get(`/meetings?${query}`, host);
      expect(res.status).toBe(422);
      expect(Object.keys(res.body.errors)).toEqual([key]);
      expect(res.body.errors[key]).toEqual([expect.any(String)]);
    });
  }

  it("pages with limit and offset in creation order", async () => {
    let clock = 1_700_000_000_000;
    const { meetings, host } = await setup({}, { now: () => clock });
    for (const name of ["m1", "m2", "m3", "m4", "m5"]) {
      clock += 1000;
      await createMeeting(meetings, host, { name });
    }
    const page = async (query: string) =>
      ((await meetings.get(`/meetings?${query}`, host)).body as Json[]).map((m) => m.name);
    expect(await page("limit=2")).toEqual(["m1", "m2"]);
    expect(await page("limit=2&offset=2")).toEqual(["m3", "m4"]);
    expect(await page("limit=2&offset=4")).toEqual(["m5"]);
    expect(await page("offset=3")).toEqual(["m4", "m5"]);
    expect(await page("offset=5")).toEqual([]);
    expect(await page("limit=0")).toEqual([]);
  });

  it("answers at most 100 meetings by default", async () => {
    const { meetings, host } = await setup();
    for (let i = 0; i < 101; i += 1) {
      await createMeeting(meetings, host, { name: `m${i}` });
    }
    const all = await meetings.get("/meetings", host);
    expect(all.body).toHaveLength(100);
    const rest = await meetings.get("/meetings?offset=100", host);
    expect(rest.body).toHaveLength(1);
    expect(new Set([...all.body, ...rest.body].map((m: Json) => m._id)).size).toBe(101);
    expect((await meetings.get("/meetings?limit=101", host)).body).toHaveLength(101);
  });
});
