import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import type { ParleyServer } from "../server/create-server";
import { apiClient, createAccount, createConference, type Json } from "./helpers/api";
import { hexId, legacyRoutingKey, seedExampleEvent } from "./helpers/events";
import { startServer } from "./helpers/server";
import { connectWs, type TestSocket } from "./helpers/ws-client";

/**
 * Bad input on the WebSocket feed: generated malformed frames (seeded), binary and oversized
 * frames, floods, unauthenticated subscribes and bindings to other accounts. parley answers each
 * with an error reply or closes with the documented code, never crashes, frees every socket, and a
 * fresh client still subscribes and receives events afterwards.
 */

const SEED = 7_777;
/** Below the 100-message burst, so no frame of a fuzz socket is rate limited. */
const FRAMES_PER_SOCKET = 90;

async function setup() {
  const server = await startServer();
  const api = apiClient(server);
  const a = await createAccount(api, "Acme");
  const b = await createAccount(api, "Other");
  const conferenceA = await createConference(api, a, { name: "A conf" });
  const conferenceB = await createConference(api, b, { name: "B conf" });
  return { server, api, a, b, conferenceA, conferenceB };
}

/** A fresh client subscribes to A's conference and receives an event: parley still works. */
async function stillServes(
  server: ParleyServer,
  account: { id: string; token: string },
  conferenceId: string,
) {
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  const ws = await connectWs(server);
  const reply = await ws.request({
    action: "subscribe",
    auth_token: account.token,
    data: { account_id: account.id, binding: `conference.event.${conferenceId}.*` },
  });
  expect(reply.status).toBe("success");
  const callId = `alive-${hexId(4)}`;
  server.memoryBus?.publishEvent(
    legacyRoutingKey(conferenceId, callId),
    seedExampleEvent({ accountId: account.id, conferenceId, callId }),
  );
  const [frame] = await ws.events(1, (f) => f.data?.call_id === callId);
  expect(frame.data.event).toBe("add-member");
  ws.socket.close();
  await ws.closed;
}

function deepArrays(depth: number): string {
  return `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

function deepObjects(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

/** Malformed or hostile text frames, all under 64 KiB. */
function frameArb(token: string, accountId: string): fc.Arbitrary<string> {
  const value = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.jsonValue({ maxDepth: 3 }),
    fc.constant("x".repeat(30_000)),
  );
  const message = fc.record(
    {
      action: fc.oneof(
        fc.constantFrom("subscribe", "unsubscribe", "ping", "publish", "", "SUBSCRIBE"),
        value,
      ),
      auth_token: fc.oneof(fc.constantFrom(token, `${token}x`, "", "null"), value),
      request_id: fc.oneof(fc.string({ maxLength: 300 }), value),
      data: fc.oneof(
        value,
        fc.record(
          {
            account_id: fc.oneof(fc.constantFrom(accountId, "*", hexId(), ""), value),
            binding: fc.oneof(
              fc.constantFrom(
                "conference.event.*.*",
                "conference.event",
                "*",
                "#",
                "conference.command.*",
                "conference.event.*.*.*.*.*.*",
                `conference.event.${"x".repeat(20_000)}.*`,
              ),
              value,
            ),
            bindings: fc.oneof(fc.array(value, { maxLength: 20 }), value),
            resume_from: value,
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  );
  return fc
    .oneof(
      { weight: 6, arbitrary: message.map((m) => JSON.stringify(m)) },
      {
        weight: 2,
        arbitrary: fc.string({ unit: "grapheme", maxLength: 200 }).filter((s) => {
          try {
            JSON.parse(s);
            return false;
          } catch {
            return true;
          }
        }),
      },
      { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify([v])) },
      { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double()).map((n) => JSON.stringify(n)) },
      { weight: 1, arbitrary: fc.constantFrom('"a string"', "null", "true", "[]", "{}", "") },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 1, max: 30_000 }).map((d) => deepArrays(d)),
      },
      {
        weight: 1,
        arbitrary: fc
          .integer({ min: 1, max: 6_000 })
          .map((d) => `{"action":"subscribe","data":${deepObjects(d)}}`),
      },
      {
        weight: 1,
        arbitrary: fc.constant(JSON.stringify({ action: "ping", pad: "x".repeat(60_000) })),
      },
    )
    .filter((frame) => Buffer.byteLength(frame) < 64 * 1024);
}

/** Sends frames and waits for one reply each (every frame a session handles gets one). */
async function sendAll(ws: TestSocket, frames: string[]): Promise<Json[]> {
  const before = ws.frames.length;
  for (const frame of frames) {
    ws.send(frame);
  }
  return vi.waitFor(
    () => {
      const replies = ws.frames.slice(before).filter((f) => f.action === "reply");
      if (replies.length < frames.length) {
        throw new Error(`have ${replies.length} of ${frames.length} replies`);
      }
      return replies;
    },
    { timeout: 20_000, interval: 10 },
  );
}

describe("WebSocket feed under generated bad input", () => {
  it("answers 1,800 generated malformed frames with replies, never crashes, and frees every socket", async () => {
    const { server, a, conferenceA } = await setup();
    const frames = fc.sample(frameArb(a.token, a.id), { seed: SEED, numRuns: 1_800 });
    const statuses: Record<string, number> = {};
    const firstErrors: Record<string, number> = {};
    for (let start = 0; start < frames.length; start += FRAMES_PER_SOCKET) {
      const ws = await connectWs(server);
      const batch = frames.slice(start, start + FRAMES_PER_SOCKET);
      const replies = await sendAll(ws, batch);
      for (const reply of replies) {
        statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
        if (reply.status === "error") {
          const key = String(reply.data?.errors?.[0] ?? "(no errors)")
            .replace(/^(failed to authenticate token|unknown action) .*$/s, "$1 …")
            .slice(0, 60);
          firstErrors[key] = (firstErrors[key] ?? 0) + 1;
          expect(Array.isArray(reply.data?.errors), JSON.stringify(reply).slice(0, 200)).toBe(true);
        }
        expect(["success", "error"]).toContain(reply.status);
      }
      ws.socket.close();
      await ws.closed;
    }
    console.info(
      `fuzz-ws frames: ${frames.length} malformed frames sent over ${Math.ceil(frames.length / FRAMES_PER_SOCKET)} sockets; reply statuses ${JSON.stringify(statuses)}; errors ${JSON.stringify(firstErrors)}`,
    );
    expect(statuses.error ?? 0).toBeGreaterThan(frames.length / 2);
    await expect.poll(() => server.gateway.connections).toBe(0);
    await stillServes(server, a, conferenceA);
    await expect.poll(() => server.gateway.connections).toBe(0);
  }, 120_000);

  it("closes a binary frame with 1003 and a frame over 64 KiB with 1009, and frees both sockets", async () => {
    const { server, a, conferenceA } = await setup();
    const closes: number[] = [];
    for (const payload of [
      Buffer.from([0, 1, 2, 3]),
      Buffer.from(JSON.stringify({ action: "ping" })),
    ]) {
      const ws = await connectWs(server);
      ws.socket.send(payload, { binary: true });
      const { code } = await ws.closed;
      expect(code).toBe(1003);
      closes.push(code);
    }
    for (const size of [64 * 1024 + 1, 1024 * 1024]) {
      const ws = await connectWs(server);
      ws.send(JSON.stringify({ action: "ping", pad: "x".repeat(size) }));
      const { code } = await ws.closed;
      expect(code).toBe(1009);
      closes.push(code);
    }
    // 10,000 nested arrays fit in 64 KiB less 44 KiB: parsed and refused, socket kept.
    const ws = await connectWs(server, `?token=${a.token}`);
    const [deepReply] = await sendAll(ws, [deepArrays(10_000)]);
    expect(deepReply.status).toBe("error");
    const pong = await ws.request({ action: "ping" });
    expect(pong.status).toBe("success");
    ws.socket.close();
    await ws.closed;
    console.info(`fuzz-ws close codes: ${closes.join(",")}`);
    await expect.poll(() => server.gateway.connections).toBe(0);
    await stillServes(server, a, conferenceA);
  });

  it("answers a flood beyond the 100-message burst with 'rate limiting threshold hit' errors", async () => {
    const { server, a, conferenceA } = await setup();
    const ws = await connectWs(server, `?token=${a.token}`);
    const flood = Array.from({ length: 300 }, (_, i) =>
      JSON.stringify({ action: "ping", request_id: `p${i}` }),
    );
    const replies = await sendAll(ws, flood);
    const limited = replies.filter(
      (r) =>
        r.status === "error" &&
        String(r.data?.errors?.[0]).startsWith("rate limiting threshold hit"),
    );
    const pongs = replies.filter((r) => r.status === "success");
    console.info(
      `fuzz-ws flood: ${flood.length} pings, ${pongs.length} answered, ${limited.length} rate limited`,
    );
    expect(pongs.length).toBeGreaterThanOrEqual(100);
    expect(pongs.length).toBeLessThan(150);
    expect(limited.length).toBe(flood.length - pongs.length);
    // The first 100 are never limited: the burst.
    expect(replies.slice(0, 100).every((r) => r.status === "success")).toBe(true);
    ws.socket.close();
    await ws.closed;
    await expect.poll(() => server.gateway.connections).toBe(0);
    await stillServes(server, a, conferenceA);
  });

  it("refuses subscribes without auth, for another account, and for another account's conference", async () => {
    const { server, a, b, conferenceA, conferenceB } = await setup();
    const ws = await connectWs(server);
    const cases: Array<{ name: string; message: Record<string, unknown> }> = [
      {
        name: "no token",
        message: {
          action: "subscribe",
          data: { account_id: a.id, binding: "conference.event.*.*" },
        },
      },
      {
        name: "bad token",
        message: {
          action: "subscribe",
          auth_token: `${a.token}x`,
          data: { account_id: a.id, binding: "conference.event.*.*" },
        },
      },
      {
        name: "another account",
        message: {
          action: "subscribe",
          auth_token: a.token,
          data: { account_id: b.id, binding: "conference.event.*.*" },
        },
      },
      {
        name: "wildcard account",
        message: {
          action: "subscribe",
          auth_token: a.token,
          data: { account_id: "*", binding: "conference.event.*.*" },
        },
      },
      {
        name: "another account's conference (4.x form)",
        message: {
          action: "subscribe",
          auth_token: a.token,
          data: { account_id: a.id, binding: `conference.event.${conferenceB}.*` },
        },
      },
      {
        name: "another account's conference (5.x form)",
        message: {
          action: "subscribe",
          auth_token: a.token,
          data: { account_id: a.id, binding: `conference.event.*.${conferenceB}.*` },
        },
      },
      {
        name: "another account's conference commands",
        message: {
          action: "subscribe",
          auth_token: a.token,
          data: { account_id: a.id, binding: `conference.command.${conferenceB}` },
        },
      },
    ];
    for (const { name, message } of cases) {
      const reply = await ws.request(message);
      expect(reply.status, `${name}: ${JSON.stringify(reply)}`).toBe("error");
      expect(reply.data.errors.length, name).toBeGreaterThan(0);
    }
    // Nothing of B's conference reaches A's socket.
    server.memoryBus?.publishEvent(
      legacyRoutingKey(conferenceB, "b-call"),
      seedExampleEvent({ accountId: b.id, conferenceId: conferenceB, callId: "b-call" }),
    );
    await stillServes(server, a, conferenceA);
    expect(ws.frames.filter((f) => f.action === "event")).toEqual([]);
    ws.socket.close();
    await ws.closed;
    await expect.poll(() => server.gateway.connections).toBe(0);
  });
});
