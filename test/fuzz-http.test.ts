import { createHash } from "node:crypto";
import http from "node:http";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import type { ParleyServer } from "../server/create-server";
import { apiClient, createAccount, createConference, type Json } from "./helpers/api";
import { currentFeedEvent } from "./helpers/events";
import { createMeeting, meetingsClient, userToken } from "./helpers/meetings";
import { ADMIN_TOKEN, startServer } from "./helpers/server";

/**
 * Property-based bad-input tests for the HTTP API: thousands of generated requests (seeded, so a
 * failure replays) over every route, in-process through `app.fetch` for volume and a few hundred
 * over the real socket. Whatever the input, parley never answers 5xx, keeps serving, answers
 * Kazoo's error envelope on Kazoo routes, and a rejected request changes nothing.
 */

const BODY_LIMIT = 8192;
const SEED = 20_261_122;

interface Fixture {
  server: ParleyServer;
  accountA: string;
  accountB: string;
  tokenA: string;
  tokenB: string;
  userTokenA: string;
  userTokenB: string;
  bbbSecretA: string;
  conferenceA: string;
  conferenceB: string;
  webhookA: string;
  webhookB: string;
  deliveryA: string;
  meetingA: string;
  meetingB: string;
  sessionA: string;
}

async function setup(env: Record<string, string> = {}): Promise<Fixture> {
  const server = await startServer({
    HTTP_BODY_LIMIT: String(BODY_LIMIT),
    WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    ...env,
  });
  const api = apiClient(server);
  const a = await createAccount(api, "Acme");
  const b = await createAccount(api, "Other");
  const conferenceA = await createConference(api, a, {
    name: "A conf",
    member: { numbers: ["1"] },
  });
  const conferenceB = await createConference(api, b, { name: "B conf" });
  const hook = async (accountId: string, token: string) => {
    const res = await api.put(`/v2/accounts/${accountId}/webhooks`, {
      token,
      // Port 9 on loopback refuses at once: deliveries fail fast and stay in the log.
      body: { data: { name: "hook", url: "http://127.0.0.1:9/hook", event_types: ["*"] } },
    });
    if (res.status !== 201) {
      throw new Error(`webhook create failed: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body.data.id as string;
  };
  const webhookA = await hook(a.id, a.token);
  const webhookB = await hook(b.id, b.token);
  const ping = await api.put(`/v2/accounts/${a.id}/webhooks/${webhookA}`, {
    token: a.token,
    body: { data: { action: "ping" } },
  });
  if (ping.status !== 201) {
    throw new Error(`webhook ping failed: ${ping.status} ${JSON.stringify(ping.body)}`);
  }
  const userTokenA = await userToken(api, a, 811);
  const userTokenB = await userToken(api, b, 812);
  const meetings = meetingsClient(api);
  const meetingA = (await createMeeting(meetings, userTokenA))._id as string;
  const meetingB = (await createMeeting(meetings, userTokenB))._id as string;
  const accountDoc = await api.get(`/v2/accounts/${a.id}`, { token: a.token });
  // A session of conference A, so the history routes are reached with a real id too.
  const ids = { accountId: a.id, conferenceId: conferenceA, callId: "call-1" };
  for (const name of ["add-member", "del-member"]) {
    const { routingKey, body } = currentFeedEvent(name, ids, { participantId: 20 });
    server.memoryBus?.publishEvent(routingKey, body);
  }
  const sessionA = await vi.waitFor(async () => {
    const list = await api.get(`/v2/accounts/${a.id}/sessions`, { token: a.token });
    const ended = list.body.data.find((session: { live: boolean }) => !session.live);
    if (!ended) {
      throw new Error("the session has not ended yet");
    }
    return ended.id as string;
  });
  return {
    server,
    accountA: a.id,
    accountB: b.id,
    tokenA: a.token,
    tokenB: b.token,
    userTokenA,
    userTokenB,
    bbbSecretA: String(accountDoc.body.data.bbb_secret ?? ""),
    conferenceA,
    conferenceB,
    webhookA,
    webhookB,
    deliveryA: ping.body.data.delivery_id,
    meetingA,
    meetingB,
    sessionA,
  };
}

/** One generated request, before it is bound to a fixture's ids. */
interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

type Slot = "A" | "C" | "P" | "W" | "D" | "M" | "R" | "X" | "S";

/** An id slot: a real id of the fixture (own or another account's) or a hostile one. */
function idArb(fx: Fixture, slot: Slot): fc.Arbitrary<string> {
  const own: Record<Slot, string[]> = {
    A: [fx.accountA, fx.accountB],
    C: [fx.conferenceA, fx.conferenceB],
    P: ["20", "call-1"],
    W: [fx.webhookA, fx.webhookB],
    D: [fx.deliveryA],
    M: [fx.meetingA, fx.meetingB, `${fx.meetingA}.json`],
    R: [fx.meetingA],
    X: [fx.meetingA],
    S: [fx.sessionA],
  };
  const hostile = fc.constantFrom(
    "..",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%00",
    "abc%00def",
    "%ff%fe",
    "%",
    "%zz",
    "null",
    "undefined",
    "0",
    "-1",
    "1e400",
    "NaN",
    "%20",
    "*",
    "a".repeat(2000),
    "f".repeat(32),
    "0".repeat(24),
    "%E2%80%AE%F0%9F%98%80",
    "%3Cscript%3E",
    "'%20OR%201%3D1--",
  );
  const random = fc
    .string({ unit: "grapheme", minLength: 1, maxLength: 40 })
    .map((s) => encodeURIComponent(s));
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...own[slot]) },
    { weight: 3, arbitrary: hostile },
    { weight: 2, arbitrary: random },
  );
}

const templates: Array<{ template: string; slots: Slot[]; kazoo: boolean }> = [
  { template: "/v2/accounts", slots: [], kazoo: true },
  { template: "/v2/accounts/{A}", slots: ["A"], kazoo: true },
  { template: "/v2/api_auth", slots: [], kazoo: true },
  { template: "/v2/accounts/{A}/conferences", slots: ["A"], kazoo: true },
  { template: "/v2/accounts/{A}/conferences/{C}", slots: ["A", "C"], kazoo: true },
  { template: "/v2/accounts/{A}/conferences/{C}/participants", slots: ["A", "C"], kazoo: true },
  {
    template: "/v2/accounts/{A}/conferences/{C}/participants/{P}",
    slots: ["A", "C", "P"],
    kazoo: true,
  },
  { template: "/v2/accounts/{A}/sessions", slots: ["A"], kazoo: true },
  { template: "/v2/accounts/{A}/sessions/{S}", slots: ["A", "S"], kazoo: true },
  { template: "/v2/accounts/{A}/sessions/{S}/events", slots: ["A", "S"], kazoo: true },
  { template: "/v2/accounts/{A}/conferences/{C}/sessions", slots: ["A", "C"], kazoo: true },
  {
    template: "/v2/accounts/{A}/conferences/{C}/sessions/{S}/events",
    slots: ["A", "C", "S"],
    kazoo: true,
  },
  { template: "/v2/accounts/{A}/webhooks", slots: ["A"], kazoo: true },
  { template: "/v2/accounts/{A}/webhooks/{W}", slots: ["A", "W"], kazoo: true },
  { template: "/v2/accounts/{A}/webhooks/{W}/secret", slots: ["A", "W"], kazoo: true },
  { template: "/v2/accounts/{A}/webhooks/{W}/deliveries", slots: ["A", "W"], kazoo: true },
  { template: "/v2/webhooks", slots: [], kazoo: true },
  { template: "/v2/webhooks/formats", slots: [], kazoo: true },
  {
    template: "/v2/accounts/{A}/webhooks/{W}/deliveries/{D}",
    slots: ["A", "W", "D"],
    kazoo: true,
  },
  { template: "/v2/accounts/{A}/bigbluebutton/api/hooks/create", slots: ["A"], kazoo: false },
  { template: "/v2/accounts/{A}/bigbluebutton/api/hooks/destroy", slots: ["A"], kazoo: false },
  { template: "/v2/accounts/{A}/bigbluebutton/api/hooks/list", slots: ["A"], kazoo: false },
  { template: "/meetings", slots: [], kazoo: false },
  { template: "/meetings.json", slots: [], kazoo: false },
  { template: "/meetings/{M}", slots: ["M"], kazoo: false },
  { template: "/meetings/recordings/{R}", slots: ["R"], kazoo: false },
  { template: "/recordings/{X}/file", slots: ["X"], kazoo: false },
  { template: "/exports/chat/{X}.csv", slots: ["X"], kazoo: false },
];

/** Whether a path is a Kazoo (crossbar-envelope) route. */
function isKazoo(path: string): boolean {
  return path.startsWith("/v2/") && !path.includes("/bigbluebutton/api/");
}

function pathArb(fx: Fixture): fc.Arbitrary<string> {
  return fc.constantFrom(...templates).chain(({ template, slots }) =>
    fc
      .tuple(...slots.map((slot) => idArb(fx, slot)))
      .chain((ids) => {
        let path = template;
        slots.forEach((slot, i) => {
          path = path.replace(`{${slot}}`, ids[i] ?? "");
        });
        return fc.oneof(
          { weight: 8, arbitrary: fc.constant(path) },
          { weight: 1, arbitrary: fc.constant(`${path}/`) },
          { weight: 1, arbitrary: fc.constant(`${path}/extra/../x`) },
          {
            weight: 2,
            arbitrary: fc
              .dictionary(
                fc.constantFrom(
                  "status",
                  "limit",
                  "offset",
                  "_id",
                  "start_date[gte]",
                  "scheduled",
                  "callbackURL",
                  "meetingID",
                  "hookID",
                  "checksum",
                  "expires",
                  "signature",
                  "token",
                  "page_size",
                  "start_key",
                  "started_after",
                  "after_seq",
                  "event_type",
                  "conference_id",
                  "q",
                  "since",
                  "until",
                ),
                fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String)),
                { maxKeys: 4 },
              )
              .map((q) => `${path}?${new URLSearchParams(q).toString()}`),
          },
        );
      })
      .map((path) => {
        // A checksummed bbb call reaches past the checksum check now and then.
        if (
          path.includes("/bigbluebutton/api/hooks/") &&
          path.startsWith(`/v2/accounts/${fx.accountA}/`)
        ) {
          const [route, query = ""] = path.split("?");
          const call = route?.slice(route.lastIndexOf("/hooks/") + 1) ?? "";
          const clean = query.replace(/&?checksum=[^&]*/, "").replace(/^&/, "");
          const sum = createHash("sha1").update(`${call}${clean}${fx.bbbSecretA}`).digest("hex");
          return `${route}?${clean}${clean ? "&" : ""}checksum=${sum}`;
        }
        return path;
      }),
  );
}

/** JSON values of wrong types for known fields. */
const wrongValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ unit: "grapheme", maxLength: 50 }),
  fc.constantFrom("", " ", "\u0000", "\u202e", "😀".repeat(50), "1e400", "true", "-1"),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), { maxLength: 5 }),
  fc.jsonValue({ maxDepth: 3 }),
);

const knownFields = fc.dictionary(
  fc.constantFrom(
    "name",
    "id",
    "member",
    "moderator",
    "owner_id",
    "conference_numbers",
    "max_participants",
    "play_name",
    "action",
    "api_key",
    "user_id",
    "url",
    "event_types",
    "format",
    "enabled",
    "since",
    "conference_id",
    "start_date",
    "end_date",
    "attendees",
    "notify_before",
    "record",
    "chat",
    "__proto__",
    "constructor",
    "_read_only",
    "pvt_type",
  ),
  wrongValue,
  { maxKeys: 6 },
);

function deepArrays(depth: number): string {
  return `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

function deepObjects(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

const bodyArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "null", "[]", "{}", '{"data":null}', '"data"') },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 200 }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  {
    weight: 2,
    arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify({ data: v })),
  },
  { weight: 4, arbitrary: knownFields.map((d) => JSON.stringify({ data: d })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(knownFields, wrongValue)
      .map(([d, action]) => JSON.stringify({ data: d, action })),
  },
  // Meetings take their fields at the top level.
  { weight: 3, arbitrary: knownFields.map((d) => JSON.stringify(d)) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 4000 }).map((d) => `{"data":{"name":${deepArrays(d)}}}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 1500 })
      .map((d) => `{"data":{"name":"x","member":${deepObjects(d)}}}`),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 4000 }).map((d) => deepArrays(d)) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(8000, BODY_LIMIT + 1, 20_000, 200_000)
      .map((n) => JSON.stringify({ data: { name: "x".repeat(n) } })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        '{"data":{"name":"a"',
        '{"data":',
        "{'data':{}}",
        '{"data":{}}garbage',
        "\uFEFF{}",
      )
      .map((s) => s),
  },
);

/**
 * Verbs, unusual ones included. Over the socket only verbs Node's HTTP parser knows: it answers
 * an unknown one (`FOO`) itself with a bare 400 before parley sees the request.
 */
const methodArb = (socket: boolean) =>
  fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom("GET", "PUT", "POST", "PATCH", "DELETE") },
    {
      weight: 2,
      arbitrary: socket
        ? fc.constantFrom("HEAD", "OPTIONS", "PROPFIND", "get", "PURGE")
        : fc.constantFrom("HEAD", "OPTIONS", "PROPFIND", "FOO", "get", "PURGE"),
    },
  );

function tokenHeadersArb(fx: Fixture): fc.Arbitrary<Record<string, string>> {
  const token = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(fx.tokenA, fx.tokenB, ADMIN_TOKEN) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "",
        "null",
        "Bearer",
        `${fx.tokenA}x`,
        fx.tokenA.slice(0, -3),
        "eyJhbGciOiJub25lIn0.eyJhY2NvdW50X2lkIjoiMSJ9.",
        "x".repeat(4000),
        ADMIN_TOKEN.toUpperCase(),
      ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }).filter((s) => /^[\x20-\x7e]*$/.test(s)) },
  );
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant({}) },
    { weight: 4, arbitrary: token.map((t) => ({ "X-Auth-Token": t })) },
    { weight: 1, arbitrary: token.map((t) => ({ Authorization: `Bearer ${t}` })) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(fx.userTokenA, fx.userTokenB, fx.tokenA, "garbage", "")
        .map((t) => ({ "CB-Token": t })),
    },
  );
}

function requestArb(fx: Fixture, socket: boolean): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: methodArb(socket),
      path: pathArb(fx),
      auth: tokenHeadersArb(fx),
      body: bodyArb,
      contentType: fc.constantFrom(
        undefined,
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
      ),
      requestId: fc.option(fc.string({ maxLength: 300 }).filter((s) => /^[\x20-\x7e]*$/.test(s))),
    })
    .map(({ method, path, auth, body, contentType, requestId }) => {
      const headers: Record<string, string> = { ...auth };
      if (contentType) {
        headers["Content-Type"] = contentType;
      }
      if (requestId !== null) {
        headers["X-Request-ID"] = requestId;
      }
      const bodyless = ["GET", "HEAD", "get"].includes(method);
      return { method, path, headers, body: bodyless ? undefined : body };
    });
}

/** What a request could change: anything but a read (bbb create/destroy are GETs that write). */
function mayWrite(request: FuzzRequest): boolean {
  return (
    !["GET", "HEAD", "OPTIONS", "get"].includes(request.method) ||
    /\/hooks\/(create|destroy)/.test(request.path)
  );
}

interface Outcome {
  status: number;
  body: Json;
  text: string;
}

async function inProcess(server: ParleyServer, request: FuzzRequest): Promise<Outcome> {
  const response = await server.app.fetch(
    new Request(`http://parley.test${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    }),
  );
  const text = await response.text();
  let body: Json = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body, text };
}

async function overSocket(server: ParleyServer, request: FuzzRequest): Promise<Outcome> {
  const response = await fetch(`${server.url}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  const text = await response.text();
  let body: Json = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body, text };
}

/**
 * Everything a rejected request must leave alone, read in-process with data only. A webhook's
 * `_read_only` (its state, latest attempt, backlog) is left out: the fixture's deliveries keep
 * failing and retrying in the background, so it moves on its own.
 */
async function snapshot(fx: Fixture): Promise<string> {
  const read = async (path: string, headers: Record<string, string>) => {
    const res = await inProcess(fx.server, { method: "GET", path, headers, body: undefined });
    const data = res.body?.data ?? res.body;
    const webhooks = path.endsWith("/webhooks") && Array.isArray(data);
    return {
      status: res.status,
      data: webhooks ? data.map(({ _read_only, ...fields }: Json) => fields) : data,
    };
  };
  const admin = { "X-Auth-Token": ADMIN_TOKEN };
  return JSON.stringify([
    await read("/v2/accounts", admin),
    await read(`/v2/accounts/${fx.accountA}/conferences`, admin),
    await read(`/v2/accounts/${fx.accountB}/conferences`, admin),
    await read(`/v2/accounts/${fx.accountA}/webhooks`, admin),
    await read(`/v2/accounts/${fx.accountB}/webhooks`, admin),
    await read("/meetings", { "CB-Token": fx.userTokenA }),
    await read("/meetings", { "CB-Token": fx.userTokenB }),
  ]);
}

/** Why an outcome is wrong, or undefined. */
function problem(request: FuzzRequest, outcome: Outcome): string | undefined {
  if (outcome.status >= 500) {
    return `${outcome.status} ${outcome.text.slice(0, 300)}`;
  }
  if (
    isKazoo(request.path) &&
    outcome.status >= 400 &&
    request.method !== "HEAD" &&
    outcome.status !== 431
  ) {
    const b = outcome.body;
    const ok =
      b !== null &&
      typeof b === "object" &&
      b.status === "error" &&
      b.error === String(outcome.status) &&
      typeof b.message === "string" &&
      typeof b.request_id === "string";
    if (!ok) {
      return `not the error envelope: ${outcome.status} ${outcome.text.slice(0, 300)}`;
    }
  }
  return undefined;
}

function describeRequest(request: FuzzRequest): string {
  return JSON.stringify({
    method: request.method,
    path: request.path.slice(0, 200),
    headers: Object.fromEntries(
      Object.entries(request.headers).map(([k, v]) => [k, v.slice(0, 60)]),
    ),
    body: request.body?.slice(0, 200),
    bodyLength: request.body?.length,
  });
}

/** Runs `numRuns` generated requests; collects statuses, wrong answers and state changes. */
async function fuzz(
  fx: Fixture,
  numRuns: number,
  seed: number,
  send: (request: FuzzRequest) => Promise<Outcome>,
  socket = false,
) {
  const histogram: Record<string, number> = {};
  const failures: string[] = [];
  const stateChanges: string[] = [];
  let tried = 0;
  let rejectedWrites = 0;
  let baseline = await snapshot(fx);
  await fc.assert(
    fc.asyncProperty(requestArb(fx, socket), async (request) => {
      tried += 1;
      let outcome: Outcome;
      try {
        outcome = await send(request);
      } catch (error) {
        failures.push(`threw ${(error as Error).message}: ${describeRequest(request)}`);
        return;
      }
      histogram[outcome.status] = (histogram[outcome.status] ?? 0) + 1;
      const wrong = problem(request, outcome);
      if (wrong) {
        failures.push(`${wrong} <- ${describeRequest(request)}`);
      }
      if (mayWrite(request)) {
        const after = await snapshot(fx);
        if (outcome.status >= 400) {
          rejectedWrites += 1;
          if (after !== baseline) {
            stateChanges.push(`${outcome.status} changed state <- ${describeRequest(request)}`);
          }
        }
        baseline = after;
      }
    }),
    { seed, numRuns, endOnFailure: true },
  );
  return { histogram, failures, stateChanges, tried, rejectedWrites };
}

/** `/healthz` on a fresh connection (a pooled one may have been closed while idle). */
function healthy(server: ParleyServer): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(`${server.url}/healthz`, { agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on("error", reject);
  });
}

describe("HTTP API under generated bad input", () => {
  it("answers 10,000 generated requests in-process with no 5xx, Kazoo's error envelope, and no state change on rejection", async () => {
    const fx = await setup();
    const result = await fuzz(fx, 10_000, SEED, (request) => inProcess(fx.server, request));
    console.info(
      `fuzz-http in-process: ${result.tried} requests tried, ${result.rejectedWrites} rejected writes checked; statuses ${JSON.stringify(result.histogram)}`,
    );
    expect(result.tried).toBeGreaterThanOrEqual(10_000);
    expect(result.failures.slice(0, 20)).toEqual([]);
    expect(result.stateChanges.slice(0, 20)).toEqual([]);
    expect(await healthy(fx.server)).toBe(200);
  }, 120_000);

  it("answers a few hundred generated requests over the real socket with no 5xx and keeps serving", async () => {
    const fx = await setup();
    const result = await fuzz(fx, 400, SEED + 1, (request) => overSocket(fx.server, request), true);
    console.info(
      `fuzz-http socket: ${result.tried} requests tried, ${result.rejectedWrites} rejected writes checked; statuses ${JSON.stringify(result.histogram)}`,
    );
    expect(result.tried).toBe(400);
    expect(result.failures.slice(0, 20)).toEqual([]);
    expect(result.stateChanges.slice(0, 20)).toEqual([]);
    expect(await healthy(fx.server)).toBe(200);
  }, 60_000);
});

describe("HTTP API hand-written bad input", () => {
  const kazooEnvelope = (status: number) =>
    expect.objectContaining({
      status: "error",
      error: String(status),
      message: expect.any(String),
      request_id: expect.any(String),
    });

  it("refuses a body over HTTP_BODY_LIMIT with 413 in the envelope and creates nothing", async () => {
    const fx = await setup();
    const before = await snapshot(fx);
    const res = await overSocket(fx.server, {
      method: "PUT",
      path: `/v2/accounts/${fx.accountA}/conferences`,
      headers: { "X-Auth-Token": fx.tokenA },
      body: JSON.stringify({ data: { name: "big", pad: "x".repeat(BODY_LIMIT * 4) } }),
    });
    expect(res.status).toBe(413);
    expect(res.body).toEqual(kazooEnvelope(413));
    expect(await snapshot(fx)).toBe(before);
  });

  it("rejects 10,000 nested arrays as the conference name without a server error", async () => {
    const fx = await setup({ HTTP_BODY_LIMIT: "1048576" });
    const before = await snapshot(fx);
    const res = await overSocket(fx.server, {
      method: "PUT",
      path: `/v2/accounts/${fx.accountA}/conferences`,
      headers: { "X-Auth-Token": fx.tokenA },
      body: `{"data":{"name":${deepArrays(10_000)}}}`,
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(kazooEnvelope(400));
    expect(await snapshot(fx)).toBe(before);
    expect(await healthy(fx.server)).toBe(200);
  });

  it("answers a 10,000-deep nested object in a conference document without a server error", async () => {
    const fx = await setup({ HTTP_BODY_LIMIT: "1048576" });
    const before = await snapshot(fx);
    const statuses: string[] = [];
    for (const [method, path] of [
      ["PUT", `/v2/accounts/${fx.accountA}/conferences`],
      ["PATCH", `/v2/accounts/${fx.accountA}/conferences/${fx.conferenceA}`],
      ["POST", `/v2/accounts/${fx.accountA}/conferences/${fx.conferenceA}`],
      ["PUT", `/v2/accounts/${fx.accountA}/webhooks`],
      ["POST", "/meetings"],
    ] as const) {
      const res = await overSocket(fx.server, {
        method,
        path,
        headers:
          path === "/meetings" ? { "CB-Token": fx.userTokenA } : { "X-Auth-Token": fx.tokenA },
        body:
          path === "/meetings"
            ? `{"name":"m","custom":${deepObjects(10_000)}}`
            : `{"data":{"name":"deep","custom":${deepObjects(10_000)}}}`,
      });
      statuses.push(`${res.status} ${method} ${path}`);
    }
    console.info(`fuzz-http deep objects: ${statuses.join("; ")}`);
    // Only a 2xx may change anything.
    if (statuses.every((line) => !line.startsWith("2"))) {
      expect.soft(await snapshot(fx)).toBe(before);
    }
    expect(statuses.filter((line) => line.startsWith("5"))).toEqual([]);
    expect(await healthy(fx.server)).toBe(200);
  });

  it("answers 10,000 nested arrays as a whole body with 400 on every Kazoo write route", async () => {
    const fx = await setup({ HTTP_BODY_LIMIT: "1048576" });
    for (const [method, path] of [
      ["PUT", "/v2/accounts"],
      ["PUT", "/v2/api_auth"],
      ["PUT", `/v2/accounts/${fx.accountA}/conferences`],
      ["PUT", `/v2/accounts/${fx.accountA}/conferences/${fx.conferenceA}/participants`],
      ["PUT", `/v2/accounts/${fx.accountA}/webhooks/${fx.webhookA}`],
    ] as const) {
      const res = await overSocket(fx.server, {
        method,
        path,
        headers: { "X-Auth-Token": path === "/v2/accounts" ? ADMIN_TOKEN : fx.tokenA },
        body: deepArrays(10_000),
      });
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.body).toEqual(kazooEnvelope(400));
    }
  });

  it("refuses path traversal and NUL ids on downloads and exports without a server error", async () => {
    const fx = await setup();
    for (const path of [
      "/recordings/..%2F..%2Fetc%2Fpasswd/file",
      "/recordings/%00/file",
      "/recordings/%2e%2e/file?expires=9999999999&signature=x",
      "/exports/chat/..%2F..%2Fetc%2Fpasswd.csv",
      "/exports/chat/%00.csv",
      `/exports/chat/${"a".repeat(5000)}.csv`,
      "/meetings/recordings/..%2F..",
    ]) {
      const res = await overSocket(fx.server, {
        method: "GET",
        path,
        headers: {},
        body: undefined,
      });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(res.text).not.toContain("root:");
    }
  });

  it("answers another account's token with 403 on every account route and shows nothing", async () => {
    const fx = await setup();
    const before = await snapshot(fx);
    for (const [method, path] of [
      ["GET", `/v2/accounts/${fx.accountA}`],
      ["GET", `/v2/accounts/${fx.accountA}/conferences`],
      ["GET", `/v2/accounts/${fx.accountA}/conferences/${fx.conferenceA}`],
      ["DELETE", `/v2/accounts/${fx.accountA}/conferences/${fx.conferenceA}`],
      ["GET", `/v2/accounts/${fx.accountA}/webhooks/${fx.webhookA}`],
      ["DELETE", `/v2/accounts/${fx.accountA}/webhooks/${fx.webhookA}`],
      ["GET", `/v2/accounts/${fx.accountA}/webhooks/${fx.webhookA}/deliveries`],
    ] as const) {
      const res = await overSocket(fx.server, {
        method,
        path,
        headers: { "X-Auth-Token": fx.tokenB },
        body: undefined,
      });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body).toEqual(kazooEnvelope(403));
      expect(res.text).not.toContain("A conf");
    }
    expect(await snapshot(fx)).toBe(before);
  });
});
