import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DeadLetter } from "../server/amqp/memory-bus";
import { apiClient, createAccount, createConference, type Json } from "./helpers/api";
import { startBrokerServer } from "./helpers/broker";
import { hexId, legacyRoutingKey, seedExampleEvent } from "./helpers/events";
import { startServer } from "./helpers/server";

/**
 * Property-based bad-input tests for event ingest: thousands of malformed or hostile messages
 * (seeded) interleaved with valid ones. Every hostile message that parley cannot use is
 * dead-lettered with a reason, none of them touches a conference it must not, the valid ones are
 * applied exactly once, and the consumer keeps consuming.
 */

const SEED = 4_242;
const MIB = 1024 * 1024;

interface Ids {
  accountA: string;
  accountB: string;
  conferenceA: string;
  conferenceB: string;
  adHoc: string;
}

/** A hostile message, and whether parley must refuse it (dead-letter it). */
interface Hostile {
  kind: string;
  routingKey: string;
  body: string | Buffer | Record<string, unknown>;
  mustReject: boolean;
}

function hostileArb(ids: Ids): fc.Arbitrary<Hostile> {
  const callId = fc.integer({ min: 0, max: 1_000_000 }).map((n) => `bad-${n}`);
  const keyFor = (conferenceId: string) => callId.map((c) => legacyRoutingKey(conferenceId, c));
  const notJson = fc
    .string({ unit: "grapheme", maxLength: 100 })
    .filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    })
    .chain((body) =>
      keyFor(ids.conferenceA).map((routingKey) => ({
        kind: "not JSON",
        routingKey,
        body: Buffer.from(body),
        mustReject: true,
      })),
    );
  const notObject = fc
    .oneof(
      fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.string({ maxLength: 20 }),
      fc.constant(null),
      fc.boolean(),
    )
    .chain((value) =>
      keyFor(ids.conferenceA).map((routingKey) => ({
        kind: "JSON but not an object",
        routingKey,
        body: JSON.stringify(value),
        mustReject: true,
      })),
    );
  const deep = fc.integer({ min: 100, max: 20_000 }).chain((depth) =>
    keyFor(ids.conferenceA).map((routingKey) => ({
      kind: "deeply nested array",
      routingKey,
      body: `${"[".repeat(depth)}${"]".repeat(depth)}`,
      mustReject: true,
    })),
  );
  const huge = callId.map((c) => ({
    kind: "1 MiB body",
    routingKey: legacyRoutingKey(ids.conferenceA, c),
    body: JSON.stringify({
      ...seedExampleEvent({ accountId: ids.accountA, conferenceId: ids.conferenceA, callId: c }),
      pad: "x".repeat(MIB),
    }),
    mustReject: true,
  }));
  const unknownKey = fc
    .oneof(
      fc.constantFrom(
        "",
        "conference",
        "conference.event",
        "conference.command.x",
        "foo.bar.baz",
        "recording",
        "x".repeat(10_000),
      ),
      fc
        .string({ maxLength: 30 })
        .filter((s) => !/^(conference|recording|chat|livestream|transcript)\./.test(s)),
    )
    .chain((routingKey) =>
      callId.map((c) => ({
        kind: "unknown routing key",
        routingKey,
        body: seedExampleEvent({
          accountId: ids.accountA,
          conferenceId: ids.conferenceA,
          callId: c,
        }),
        mustReject: true,
      })),
    );
  const otherAccountsConference = callId.chain((c) =>
    fc.constantFrom(
      {
        kind: "A's event for B's conference",
        routingKey: legacyRoutingKey(ids.conferenceB, c),
        body: seedExampleEvent({
          accountId: ids.accountA,
          conferenceId: ids.conferenceB,
          callId: c,
        }),
        mustReject: true,
      },
      {
        kind: "B's event for A's conference",
        routingKey: legacyRoutingKey(ids.conferenceA, c),
        body: seedExampleEvent({
          accountId: ids.accountB,
          conferenceId: ids.conferenceA,
          callId: c,
        }),
        mustReject: true,
      },
    ),
  );
  // A conference parley has never seen: its account can only come from the message.
  const freshConference = fc.stringMatching(/^[0-9a-f]{32}$/);
  const unknownAccount = fc
    .tuple(callId, freshConference, fc.stringMatching(/^[0-9a-f]{32}$/))
    .map(([c, conferenceId, accountId]) => ({
      kind: "unknown account",
      routingKey: legacyRoutingKey(conferenceId, c),
      body: seedExampleEvent({ accountId, conferenceId, callId: c }),
      mustReject: true,
    }));
  const missingAccount = fc.tuple(callId, freshConference).map(([c, conferenceId]) => {
    const body = seedExampleEvent({ accountId: ids.accountA, conferenceId, callId: c });
    delete body.custom_channel_vars;
    return {
      kind: "missing account",
      routingKey: legacyRoutingKey(conferenceId, c),
      body,
      mustReject: true,
    };
  });
  const missingCallId = fc.constant(null).map(() => {
    const body = seedExampleEvent({ accountId: ids.accountA, conferenceId: ids.adHoc });
    delete body.call_id;
    // Three-part key: no call id in the routing key either.
    return {
      kind: "missing call id",
      routingKey: `conference.event.${ids.adHoc}`,
      body,
      mustReject: true,
    };
  });
  const wrongType = fc
    .tuple(
      callId,
      fc.constantFrom(
        "participant_id",
        "call_id",
        "conference_id",
        "event",
        "custom_channel_vars",
        "speak",
        "hear",
        "talking",
        "energy_level",
        "msg_id",
        "instance_id",
        "caller_id_name",
      ),
      fc.oneof(
        fc.constant(null),
        fc.boolean(),
        fc.integer(),
        fc.double(),
        fc.string({ unit: "grapheme", maxLength: 30 }),
        fc.array(fc.integer(), { maxLength: 3 }),
        fc.jsonValue({ maxDepth: 2 }),
        fc.constant("x".repeat(10_000)),
      ),
    )
    .map(([c, field, value]) => {
      // Aimed at the ad-hoc conference: a lenient coercion may be accepted, but never lands in A's.
      const body: Record<string, unknown> = seedExampleEvent({
        accountId: ids.accountA,
        conferenceId: ids.adHoc,
        callId: c,
      });
      body[field] = value;
      return {
        kind: `wrong type for ${field}`,
        routingKey: legacyRoutingKey(ids.adHoc, c),
        body,
        mustReject: false,
      };
    });
  const unknownEvent = fc
    .tuple(
      callId,
      fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("explode", "ADD-MEMBER", "")),
    )
    .map(([c, event]) => ({
      kind: "unknown event",
      routingKey: legacyRoutingKey(ids.adHoc, c),
      body: seedExampleEvent({
        accountId: ids.accountA,
        conferenceId: ids.adHoc,
        callId: c,
        event,
      }),
      mustReject: false,
    }));
  return fc.oneof(
    { weight: 10, arbitrary: notJson },
    { weight: 10, arbitrary: notObject },
    { weight: 2, arbitrary: deep },
    { weight: 1, arbitrary: huge },
    { weight: 8, arbitrary: unknownKey },
    { weight: 10, arbitrary: otherAccountsConference },
    { weight: 5, arbitrary: unknownAccount },
    { weight: 5, arbitrary: missingAccount },
    { weight: 3, arbitrary: missingCallId },
    { weight: 20, arbitrary: wrongType },
    { weight: 5, arbitrary: unknownEvent },
  );
}

async function setup(env: Record<string, string> = {}) {
  const server = await startServer(env);
  const api = apiClient(server);
  const a = await createAccount(api, "Acme");
  const b = await createAccount(api, "Other");
  const ids: Ids = {
    accountA: a.id,
    accountB: b.id,
    conferenceA: await createConference(api, a, { name: "A conf" }),
    conferenceB: await createConference(api, b, { name: "B conf" }),
    adHoc: hexId(),
  };
  const participants = async (account: typeof a, conferenceId: string): Promise<Json[]> => {
    const res = await api.get(
      `/v2/accounts/${account.id}/conferences/${conferenceId}/participants`,
      { token: account.token },
    );
    return res.status === 200 ? res.body.data : [];
  };
  return { server, api, a, b, ids, participants };
}

function validEvent(ids: Ids, i: number, msgId?: string) {
  const callId = `good-${i}`;
  return {
    routingKey: legacyRoutingKey(ids.conferenceA, callId),
    body: seedExampleEvent({
      accountId: ids.accountA,
      conferenceId: ids.conferenceA,
      callId,
      participantId: i,
      msgId,
    }),
  };
}

/** A dead-letter reason without its ids, for the histogram. */
function reasonKind(reason: string): string {
  return reason.replace(/[0-9a-f]{32}/g, "{id}").split(":")[0] ?? "";
}

function count<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) {
    out[key(item)] = (out[key(item)] ?? 0) + 1;
  }
  return out;
}

describe("event ingest under generated bad input", () => {
  it("dead-letters 10,000 hostile messages, applies the interleaved valid events exactly once, and keeps consuming", async () => {
    const { server, a, b, ids, participants } = await setup();
    const bus = server.memoryBus;
    if (!bus) {
      throw new Error("test server should run on the embedded bus");
    }
    const dead: DeadLetter[] = [];
    bus.onDeadLetter((letter) => dead.push(letter));

    const hostile = fc.sample(hostileArb(ids), { seed: SEED, numRuns: 10_000 });
    const valid = 200;
    let published = 0;
    let duplicates = 0;
    hostile.forEach((message, index) => {
      bus.publishEvent(message.routingKey, message.body);
      published += 1;
      if (index % 50 === 0) {
        const i = index / 50;
        const event = validEvent(ids, i, `msg-${i}`);
        bus.publishEvent(event.routingKey, event.body);
        published += 1;
        if (i % 4 === 0) {
          // The same message again (a redelivery): applied once.
          bus.publishEvent(event.routingKey, event.body);
          published += 1;
          duplicates += 1;
        }
      }
    });
    const mustReject = hostile.filter((m) => m.mustReject).length;

    await expect
      .poll(() => participants(a, ids.conferenceA).then((list) => list.length), { timeout: 30_000 })
      .toBe(valid);
    await expect.poll(() => dead.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(mustReject);

    const rejectedKinds = count(dead, (letter) => reasonKind(letter.reason));
    console.info(
      `fuzz-amqp embedded: ${published} messages published (${hostile.length} hostile, ${valid} valid, ${duplicates} duplicates), ${mustReject} must be refused, ${dead.length} dead-lettered; kinds ${JSON.stringify(count(hostile, (m) => (m.kind.startsWith("wrong type") ? "wrong type" : m.kind)))}; reasons ${JSON.stringify(rejectedKinds)}`,
    );

    const list = await participants(a, ids.conferenceA);
    expect(list.map((p) => p.call_id).sort()).toEqual(
      Array.from({ length: valid }, (_, i) => `good-${i}`).sort(),
    );
    expect(await participants(b, ids.conferenceB)).toEqual([]);
    expect(dead.every((letter) => letter.reason.length > 0)).toBe(true);
    // Every dead letter is one of the hostile ones, never a valid event.
    expect(dead.filter((letter) => letter.routingKey.includes(".good-"))).toEqual([]);

    // The consumer is alive: one more valid event lands.
    const last = validEvent(ids, valid);
    bus.publishEvent(last.routingKey, last.body);
    await expect
      .poll(() => participants(a, ids.conferenceA).then((l) => l.length), { timeout: 10_000 })
      .toBe(valid + 1);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 120_000);

  it("dead-letters hostile messages on RabbitMQ with an x-parley-error header and applies the valid ones", async () => {
    const { server, probe } = await startBrokerServer();
    const api = apiClient(server);
    const a = await createAccount(api, "Acme");
    const b = await createAccount(api, "Other");
    const ids: Ids = {
      accountA: a.id,
      accountB: b.id,
      conferenceA: await createConference(api, a, { name: "A conf" }),
      conferenceB: await createConference(api, b, { name: "B conf" }),
      adHoc: hexId(),
    };
    // Only what reaches parley's queue: unknown routing keys are not bound to it at all.
    const hostile = fc
      .sample(hostileArb(ids), { seed: SEED + 1, numRuns: 2_000 })
      .filter((m) => m.mustReject && m.kind !== "unknown routing key")
      .slice(0, 250);
    const valid = 50;
    hostile.forEach((message, index) => {
      probe.publish(message.routingKey, message.body);
      if (index % 5 === 0 && index / 5 < valid) {
        const event = validEvent(ids, index / 5);
        probe.publish(event.routingKey, event.body);
      }
    });

    const participantsA = async () => {
      const res = await api.get(
        `/v2/accounts/${a.id}/conferences/${ids.conferenceA}/participants`,
        {
          token: a.token,
        },
      );
      return res.status === 200 ? (res.body.data as Json[]).length : 0;
    };
    await expect.poll(participantsA, { timeout: 30_000 }).toBe(valid);

    const dead: Awaited<ReturnType<typeof probe.drainDeadLetters>> = [];
    await expect
      .poll(
        async () => {
          dead.push(...(await probe.drainDeadLetters()));
          return dead.length;
        },
        { timeout: 30_000 },
      )
      .toBe(hostile.length);
    const reasons = dead.map((m) => String(m.properties.headers?.["x-parley-error"] ?? ""));
    console.info(
      `fuzz-amqp rabbitmq: ${hostile.length + valid} messages published (${hostile.length} hostile, ${valid} valid), ${dead.length} dead-lettered; reasons ${JSON.stringify(count(reasons, reasonKind))}`,
    );
    expect(reasons.filter((r) => r === "")).toEqual([]);
    expect(await participantsA()).toBe(valid);
    const bList = await api.get(
      `/v2/accounts/${b.id}/conferences/${ids.conferenceB}/participants`,
      {
        token: b.token,
      },
    );
    expect(bList.status === 200 ? bList.body.data : []).toEqual([]);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  }, 90_000);
});
