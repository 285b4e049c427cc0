import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { describe, expect, it, onTestFinished } from "vitest";
import type { ParleyServer } from "../server/create-server";
import { apiClient, createAccount, type Json } from "./helpers/api";
import { createMeeting, meetingBody, meetingsClient, userToken } from "./helpers/meetings";
import { startServer } from "./helpers/server";

/**
 * The HTTP edge: an answer given before the request's body is read never breaks the client's
 * keep-alive connection, and every route (the ConnectyCube-style `/meetings` as well as the
 * Kazoo routes) reads its body by the same size and depth rules.
 */

interface Reply {
  status: number;
  connection: string | undefined;
  body: Json;
  /** The client's local port: the same port twice means the same socket. */
  localPort: number;
}

/**
 * One keep-alive socket, as a browser or an SDK holds it: every request waits for the one socket,
 * so a request after a broken exchange fails on it unless the server said `Connection: close`.
 */
function keepAliveClient(server: ParleyServer) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  onTestFinished(() => agent.destroy());
  const watched = new WeakSet<object>();
  const socketErrors: string[] = [];
  const send = (
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean } = {},
  ): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...options.headers };
      if (options.body !== undefined && !options.chunked) {
        headers["Content-Length"] = String(Buffer.byteLength(options.body));
      }
      const request = http.request(`${server.url}${path}`, { method, agent, headers }, (res) => {
        const localPort = (res.socket.address() as AddressInfo).port;
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: Json = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({
            status: res.statusCode ?? 0,
            connection: res.headers.connection,
            body,
            localPort,
          });
        });
        res.on("error", reject);
      });
      request.on("error", reject);
      request.on("socket", (socket) => {
        if (!watched.has(socket)) {
          watched.add(socket);
          socket.on("error", (error: NodeJS.ErrnoException) =>
            socketErrors.push(`${method} ${path}: ${error.code ?? error.message}`),
          );
        }
      });
      if (options.body === undefined) {
        request.end();
      } else if (options.chunked) {
        // No Content-Length: the size is only known once the body has streamed in.
        const body = Buffer.from(options.body);
        const pieces = Array.from({ length: Math.ceil(body.length / 65_536) }, (_, i) =>
          body.subarray(i * 65_536, (i + 1) * 65_536),
        );
        Readable.from(pieces).pipe(request);
      } else {
        request.end(options.body);
      }
    });
  return Object.assign(send, { socketErrors });
}

/** Far more than fits in the socket buffers: when the early answer leaves, most of it is unsent. */
const LARGE = 16 * 1024 * 1024;
const largeJson = (key = "pad") =>
  JSON.stringify({ data: { name: "big", [key]: "x".repeat(LARGE) } });

type Fixture = Awaited<ReturnType<typeof fixture>>;

async function fixture(env: Record<string, string> = {}) {
  const server = await startServer(env);
  const api = apiClient(server);
  const account = await createAccount(api);
  const host = await userToken(api, account, 811);
  return { server, api, account, host, send: keepAliveClient(server) };
}

describe("answers given before the body is read keep the client's connection usable", () => {
  it("answers 413 over HTTP_BODY_LIMIT with Connection: close, and the next request on the agent succeeds", async () => {
    const { account, send } = await fixture({ HTTP_BODY_LIMIT: "8192" });
    for (let round = 0; round < 3; round++) {
      const refused = await send("PUT", `/v2/accounts/${account.id}/conferences`, {
        headers: { "X-Auth-Token": account.token, "Content-Type": "application/json" },
        body: largeJson(),
      });
      expect(refused.status).toBe(413);
      expect(refused.body).toMatchObject({ error: "413", status: "error" });
      expect(refused.connection).toBe("close");
      const next = await send("GET", `/v2/accounts/${account.id}/conferences`, {
        headers: { "X-Auth-Token": account.token },
      });
      expect(next.status).toBe(200);
      expect(next.body.data).toEqual([]);
    }
    expect(send.socketErrors).toEqual([]);
  });

  it("answers 413 to a chunked upload over the limit with Connection: close, and the next request succeeds", async () => {
    const { account, send } = await fixture({ HTTP_BODY_LIMIT: "8192" });
    const refused = await send("PUT", `/v2/accounts/${account.id}/conferences`, {
      headers: { "X-Auth-Token": account.token },
      body: largeJson(),
      chunked: true,
    });
    expect(refused.status).toBe(413);
    expect(refused.connection).toBe("close");
    expect((await send("GET", "/healthz")).status).toBe(200);
    expect(send.socketErrors).toEqual([]);
  });

  /** Early answers: each refuses the request from its line and headers, never reading the body. */
  const early: Array<{ answer: string; method: string; path: (f: Fixture) => string }> = [
    {
      answer: "401 on an account route without a token",
      method: "PUT",
      path: (f) => `/v2/accounts/${f.account.id}/conferences`,
    },
    { answer: "404 on an unknown route", method: "POST", path: () => "/v2/nothing/here" },
    { answer: "405 on a verb the route lacks", method: "PATCH", path: () => "/v2/accounts" },
    { answer: "401 on /meetings without a CB-Token", method: "POST", path: () => "/meetings" },
  ];
  for (const { answer, method, path } of early) {
    it(`answers ${answer} to a large unread body with Connection: close, and the next request succeeds`, async () => {
      const f = await fixture({ HTTP_BODY_LIMIT: String(4 * LARGE) });
      const refused = await f.send(method, path(f), {
        headers: { "Content-Type": "application/json" },
        body: largeJson(),
      });
      expect(refused.status).toBe(Number(answer.slice(0, 3)));
      expect(refused.connection).toBe("close");
      const next = await f.send("GET", `/v2/accounts/${f.account.id}`, {
        headers: { "X-Auth-Token": f.account.token },
      });
      expect(next.status).toBe(200);
      expect(next.body.data.id).toBe(f.account.id);
      expect(f.send.socketErrors).toEqual([]);
    });
  }

  it("keeps the connection open after a request whose body was read", async () => {
    const { account, send } = await fixture();
    const created = await send("PUT", `/v2/accounts/${account.id}/conferences`, {
      headers: { "X-Auth-Token": account.token },
      body: JSON.stringify({ data: { name: "Small" } }),
    });
    expect(created.status).toBe(201);
    expect(created.connection).toBe("keep-alive");
    const next = await send("GET", "/healthz");
    expect(next.status).toBe(200);
    expect(next.localPort).toBe(created.localPort);
  });
});

/** 10,000 nested arrays: far deeper than any body may be. */
const deepArrays = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("/meetings reads its body by the same rules as the Kazoo routes, in ConnectyCube's error shape", () => {
  const LIMIT = 64 * 1024;

  async function meetingsFixture() {
    const f = await fixture({ HTTP_BODY_LIMIT: String(LIMIT) });
    const meetings = meetingsClient(f.api);
    const meeting = await createMeeting(meetings, f.host);
    /** Everything the host can see, to prove a refused request changed nothing. */
    const state = async () => (await meetings.get("/meetings", f.host)).body;
    const raw = (method: string, path: string, body: string) =>
      f.api.request(method, path, {
        headers: { "CB-Token": f.host, "Content-Type": "application/json" },
        rawBody: body,
      });
    return { ...f, meetings, meeting, state, raw };
  }

  const connectyCubeError = (status: number, res: { status: number; body: Json }) => {
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ errors: [expect.any(String)] });
  };

  it("refuses 10,000 nested arrays as the body of POST /meetings and PUT /meetings/{id} with a 400", async () => {
    const { meeting, state, raw } = await meetingsFixture();
    const before = await state();
    for (const [method, path] of [
      ["POST", "/meetings"],
      ["PUT", `/meetings/${meeting._id}`],
    ] as const) {
      const res = await raw(method, path, deepArrays(10_000));
      connectyCubeError(400, res);
      expect(res.body.errors[0]).toMatch(/nested/);
    }
    expect(await state()).toEqual(before);
  });

  it("refuses an otherwise valid meeting body carrying a value nested deeper than 64 levels", async () => {
    const { meeting, state, raw } = await meetingsFixture();
    const before = await state();
    const deep = (body: Record<string, unknown>) =>
      `${JSON.stringify(body).slice(0, -1)},"extra":${deepArrays(10_000)}}`;
    const created = await raw("POST", "/meetings", deep(meetingBody({ name: "Deep" })));
    connectyCubeError(400, created);
    const updated = await raw("PUT", `/meetings/${meeting._id}`, deep({ name: "Deep" }));
    connectyCubeError(400, updated);
    expect(await state()).toEqual(before);
  });

  it("accepts a meeting body nested exactly as deep as the limit allows", async () => {
    const { meeting, raw } = await meetingsFixture();
    // The body object is level 1, `extra` holds levels 2 to 64.
    const body = `{"name":"At the limit","extra":${deepArrays(63)}}`;
    const res = await raw("PUT", `/meetings/${meeting._id}`, body);
    expect(res.status).toBe(200);
    expect(res.body.name).toBe("At the limit");
  });

  it("refuses a body over HTTP_BODY_LIMIT on POST /meetings and PUT /meetings/{id} with a 413", async () => {
    const { meeting, state, raw } = await meetingsFixture();
    const before = await state();
    const big = JSON.stringify(meetingBody({ name: "Big", pad: "x".repeat(LIMIT * 2) }));
    connectyCubeError(413, await raw("POST", "/meetings", big));
    connectyCubeError(413, await raw("POST", "/meetings.json", big));
    connectyCubeError(413, await raw("PUT", `/meetings/${meeting._id}`, big));
    connectyCubeError(413, await raw("PUT", `/meetings/${meeting._id}.json`, big));
    expect(await state()).toEqual(before);
  });

  it("refuses a GET /meetings form body over HTTP_BODY_LIMIT with a 413", async () => {
    const { send, host } = await meetingsFixture();
    const res = await send("GET", "/meetings", {
      headers: { "CB-Token": host, "Content-Type": "application/x-www-form-urlencoded" },
      body: `scheduled=true&pad=${"x".repeat(LIMIT * 2)}`,
    });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ errors: [expect.any(String)] });
  });

  it("answers invalid JSON with a 400 and still repairs seed 002's missing comma", async () => {
    const { meeting, raw } = await meetingsFixture();
    connectyCubeError(400, await raw("PUT", `/meetings/${meeting._id}`, '{"name": "x"'));
    const repaired = await raw(
      "PUT",
      `/meetings/${meeting._id}`,
      '{"attendees": [{"id": 1445,"email": "a@b.co"}, {"id": 3456 "email": "c@d.co"}]}',
    );
    expect(repaired.status).toBe(200);
    expect(repaired.body.attendees).toEqual([
      { id: 1445, email: "a@b.co" },
      { id: 3456, email: "c@d.co" },
    ]);
  });
});
