/**
 * Conference history at its edges: a session's timeline read over HTTP continues live on `/ws`
 * from `resume_from` with no gap and no duplicate; the sessions list pages stably while sessions
 * keep starting; CSV exports say what the JSON says; and no account reads another's history.
 */
import { parse } from "csv-parse/sync";
import { describe, expect, it, vi } from "vitest";
import { createAccount, type Json } from "./helpers/api";
import { hexId } from "./helpers/events";
import {
  accountFeed,
  type Call,
  historyReader,
  historyRig,
  MediaServer,
  onlySession,
  sessionDetail,
  stoppedClock,
} from "./helpers/history";
import { expectErrorEnvelope } from "./helpers/live";
import { ADMIN_TOKEN } from "./helpers/server";
import { connectWs, type TestSocket } from "./helpers/ws-client";

/** Subscribes `ws` to one conference's events (from `resumeFrom` when given). */
async function subscribeConference(
  ws: TestSocket,
  account: { id: string; token: string },
  conferenceId: string,
  resumeFrom?: number,
): Promise<void> {
  const reply = await ws.request({
    action: "subscribe",
    auth_token: account.token,
    data: {
      account_id: account.id,
      binding: `conference.event.${conferenceId}.*`,
      ...(resumeFrom === undefined ? {} : { resume_from: resumeFrom }),
    },
  });
  expect(reply.status).toBe("success");
}

const eventFrames = (ws: TestSocket): Json[] => ws.frames.filter((f) => f.action === "event");

/** What a CSV cell holds for a JSON value: empty for null, text otherwise, formulas defused. */
function cellOf(value: unknown): string {
  if (value === null || value === undefined) {
    return "";
  }
  const text = String(value);
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

describe("conference history over HTTP and /ws", () => {
  it("reads a live session's events page by page, then continues on /ws from resume_from with no gap and no duplicate", async () => {
    const { server, media, history, conferenceId, account } = await historyRig();
    const witness = await connectWs(server);
    await subscribeConference(witness, account, conferenceId);
    const [host, second, third] = [1, 2, 3].map((id) =>
      media.call(conferenceId, `call-${id}`, { participantId: id }),
    ) as [Call, Call, Call];
    await host.join(); // stays throughout: one session
    const sessionId = (await onlySession(history, conferenceId)).id;
    // The media server keeps talking while the reader catches up: bursts of three events.
    const script: Array<[Call, string]> = [
      [second, "add-member"],
      [host, "start-talking"],
      [third, "add-member"],
      [host, "stop-talking"],
      [second, "mute-member"],
      [second, "del-member"],
      [third, "start-talking"],
      [third, "del-member"],
    ];
    let published = 1;
    let stopAt = Number.POSITIVE_INFINITY;
    const publisher = (async () => {
      while (published < stopAt) {
        for (let i = 0; i < 3; i += 1) {
          const [call, event] = script[(published - 1) % script.length] as [Call, string];
          call.publish(event);
          published += 1;
        }
        await witness.events(published);
      }
    })();
    await witness.events(20);

    const reader = await connectWs(server);
    const read: Json[] = [];
    const pages: number[] = [];
    let afterSeq: number | undefined;
    let resumeFrom: number | undefined;
    const before = eventFrames(witness).length;
    while (resumeFrom === undefined) {
      const page = await history.events(sessionId, {
        limit: 5,
        ...(afterSeq === undefined ? {} : { after_seq: afterSeq }),
      });
      expect(page.status).toBe(200);
      expect(page.body.page_size).toBe(page.body.data.length);
      read.push(...page.body.data);
      pages.push(page.body.data.length);
      if (pages.length <= 4) {
        // The first pages wait for a burst to land before the next: the log grows under the reader.
        await witness.events(eventFrames(witness).length + 3);
      }
      if (page.body.next_after_seq === undefined) {
        resumeFrom = page.body.resume_from;
        expect(resumeFrom).toBe(read.at(-1)?.seq);
      } else {
        expect(page.body.resume_from).toBeUndefined();
        expect(page.body.next_after_seq).toBe(page.body.data.at(-1).seq);
        afterSeq = page.body.next_after_seq;
      }
    }
    await subscribeConference(reader, account, conferenceId, resumeFrom);
    // Events arrived while the reader paged, and keep arriving after it subscribed.
    expect(read.length).toBeGreaterThan(before);
    stopAt = published + 15;
    await publisher;
    const all = await witness.events(published);
    const lastSeq = all.at(-1).seq;
    await vi.waitFor(() => expect(eventFrames(reader).at(-1)?.seq).toBe(lastSeq), {
      timeout: 10_000,
      interval: 5,
    });

    expect(pages.length).toBeGreaterThan(3);
    const live = eventFrames(reader);
    expect(live.length).toBeGreaterThan(0);
    expect([...read.map((e) => e.seq), ...live.map((f) => f.seq)]).toEqual(all.map((f) => f.seq));
    expect([...read.map((e) => e.data), ...live.map((f) => f.data)]).toEqual(
      all.map((f) => f.data),
    );
    expect(read.map((e) => [e.name, e.routing_key, e.event, e.call_id])).toEqual(
      all.slice(0, read.length).map((f) => [f.name, f.routing_key, f.data.event, f.data.call_id]),
    );
  });

  it("pages the sessions list newest first, each session once, while new sessions keep starting", async () => {
    // A stopped clock: each round's five runs start in one millisecond, so pages cut through ties.
    const { clock, media, history } = await historyRig({ clock: stoppedClock() });
    const conferences = Array.from({ length: 5 }, () => hexId());
    const run = (conferenceId: string, n: number) => {
      const call = media.call(conferenceId, `call-${n}`, { participantId: n });
      return [call.publish("add-member"), call.publish("del-member")];
    };
    let n = 0;
    for (let round = 0; round < 6; round += 1) {
      clock.advance(60_000);
      const ids = conferences.flatMap((conferenceId) => run(conferenceId, ++n));
      await media.feed.events(1, (f) => f.data.msg_id === ids.at(-1));
    }
    await expect.poll(async () => (await history.list()).body.data?.length).toBe(30);
    const before = (await history.list({ page_size: 1000 })).body.data as Json[];
    const starts = before.map((s) => Date.parse(s.started_at));
    expect(starts).toEqual([...starts].sort((x, y) => y - x));
    expect(new Set(starts).size).toBe(6);
    expect(starts[6]).toBe(starts[7]);

    const seen: Json[] = [];
    const sizes: number[] = [];
    let startKey: string | undefined;
    for (;;) {
      const res = await history.list({
        page_size: 7,
        ...(startKey ? { start_key: startKey } : {}),
      });
      expect(res.status).toBe(200);
      expect(res.body.page_size).toBe(res.body.data.length);
      expect(res.body.start_key).toBe(startKey);
      seen.push(...res.body.data);
      sizes.push(res.body.data.length);
      // Two more sessions start, and are applied, before the next page is read.
      clock.advance(1_000);
      for (const conferenceId of [hexId(), hexId()]) {
        await media.call(conferenceId, `late-${++n}`, { participantId: n }).join();
      }
      startKey = res.body.next_start_key;
      if (startKey === undefined) {
        break;
      }
    }
    expect(sizes).toEqual([7, 7, 7, 7, 2]);
    expect(seen.map((s) => s.id)).toEqual(before.map((s) => s.id));
    expect(new Set(seen.map((s) => s.id)).size).toBe(30);
    const now = (await history.list({ page_size: 1000 })).body.data as Json[];
    expect(now).toHaveLength(40);
    expect(now.slice(0, 10).every((s: Json) => s.live)).toBe(true);

    // The window on the start time, in ISO 8601 and in Unix seconds.
    const from = Date.parse(before[20].started_at);
    const after = await history.list({
      started_after: new Date(from).toISOString(),
      page_size: 1000,
    });
    expect(after.body.data.map((s: Json) => s.id)).toEqual(
      now.filter((s) => Date.parse(s.started_at) >= from).map((s) => s.id),
    );
    const until = Math.floor(Date.parse(before[5].started_at) / 1000);
    const upTo = await history.list({ started_before: until, page_size: 1000 });
    expect(upTo.body.data.map((s: Json) => s.id)).toEqual(
      now.filter((s) => Date.parse(s.started_at) < until * 1000).map((s) => s.id),
    );
    const refused: Array<Record<string, string | number>> = [
      { page_size: 0 },
      { page_size: 1001 },
      { start_key: "x" },
      { started_after: "soon" },
    ];
    for (const bad of refused) {
      const res = await history.list(bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
  });

  it("exports the sessions list and one session's participants as CSV with the JSON's columns and values, formulas defused", async () => {
    const { clock, media, history, conferenceId } = await historyRig();
    const alice = media.call(
      conferenceId,
      "call-alice",
      { participantId: 1, isModerator: true },
      {
        "Caller-ID-Name": '=HYPERLINK("http://evil.example","x")',
      },
    );
    const bob = media.call(conferenceId, "call-bob", { participantId: 2, speak: false });
    for (let round = 0; round < 3; round += 1) {
      await alice.join();
      await bob.join();
      clock.advance(1_500);
      await bob.send("start-talking");
      await bob.leave();
      await bob.join();
      clock.advance(2_000);
      await bob.leave();
      await alice.leave();
    }
    const csv = { Accept: "text/csv" };

    const json = await history.list({ page_size: 2 });
    const res = await history.list({ page_size: 2 }, undefined, csv);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("x-next-start-key")).toBe(json.body.next_start_key);
    const [header] = (res.body as string).split("\r\n");
    expect(header?.split(",")).toEqual(Object.keys(json.body.data[0]));
    const rows = parse(res.body, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toEqual(
      json.body.data.map((s: Json) =>
        Object.fromEntries(Object.entries(s).map(([k, v]) => [k, cellOf(v)])),
      ),
    );
    expect(rows[0]?.end_seq).not.toBe("");

    const session = await sessionDetail(history, json.body.data[0].id);
    const one = await history.one(session.id, conferenceId, csv);
    expect(one.status).toBe(200);
    expect(one.headers.get("content-type")).toMatch(/^text\/csv/);
    const participants = parse(one.body, { columns: true }) as Array<Record<string, string>>;
    expect(participants).toEqual(
      session.participants.map((p: Json) => {
        const { joins, ...rest } = p;
        return Object.fromEntries(
          Object.entries({ ...rest, joins: joins.length }).map(([k, v]) => [k, cellOf(v)]),
        );
      }),
    );
    expect(participants.map((p) => p.caller_id_name)).toEqual([
      `'=HYPERLINK("http://evil.example","x")`,
      "Caller 2",
    ]);
    expect(participants.map((p) => [p.joins, p.is_moderator])).toEqual([
      ["1", "true"],
      ["2", "false"],
    ]);
  });

  it("keeps each account's history to itself on all six routes, even for the same conference id; the admin reads both", async () => {
    const {
      server,
      api,
      probe,
      clock,
      media,
      account: a,
      history: historyOfA,
    } = await historyRig();
    const b = await createAccount(api, "Beta Tenant");
    const mediaOfB = new MediaServer(probe, clock, b.id, await accountFeed(server, b));
    const shared = hexId(); // the same conference id, run by A and then by B
    const alice = media.call(shared, "alpha-secret-call", { participantId: 1 });
    await alice.join();
    await alice.leave();
    const bert = mediaOfB.call(shared, "beta-call", { participantId: 1 });
    await bert.join();
    await bert.leave();
    const sa = (await onlySession(historyOfA, shared)).id;
    const historyOfB = historyReader(api, b.id, b.token);
    const sb = (await onlySession(historyOfB, shared)).id;
    expect(sb).not.toBe(sa);

    const routes = (reader: ReturnType<typeof historyReader>, sessionId: string) =>
      [undefined, shared].flatMap((scope) => [
        ["list", () => reader.list({}, scope)],
        ["one", () => reader.one(sessionId, scope)],
        ["events", () => reader.events(sessionId, {}, scope)],
      ]) as Array<[string, () => Promise<Json>]>;

    // B's token on A's account: forbidden, and nothing of A's in the answer.
    for (const [name, call] of routes(historyReader(api, a.id, b.token), sa)) {
      const res = await call();
      expect(res.status, name).toBe(403);
      expectErrorEnvelope(res.body, 403, "forbidden");
      expect(JSON.stringify(res.body), name).not.toContain("alpha-secret-call");
    }
    const csvAsB = await historyReader(api, a.id, b.token).list({}, undefined, {
      Accept: "text/csv",
    });
    expect(csvAsB.status).toBe(403);
    expect(JSON.stringify(csvAsB.body)).not.toContain(sa);
    // B's own account: A's session is unknown there; B's lists hold only B's session.
    for (const [name, call] of routes(historyOfB, sa)) {
      const res = await call();
      if (name === "list") {
        expect(res.status).toBe(200);
        expect(res.body.data.map((s: Json) => s.id)).toEqual([sb]);
      } else {
        expect(res.status, name).toBe(404);
        expectErrorEnvelope(res.body, 404, "bad_identifier");
      }
    }
    // And the other way round: B's session is unknown to A.
    for (const [name, call] of routes(historyOfA, sb).filter(([n]) => n !== "list")) {
      expect((await call()).status, name).toBe(404);
    }
    expect((await historyOfA.list()).body.data.map((s: Json) => s.id)).toEqual([sa]);
    expect((await historyOfA.one(hexId())).status).toBe(404);
    expect((await historyOfA.one(sa, hexId())).status).toBe(404);
    // The admin reads both accounts' history.
    for (const [account, sessionId, callId] of [
      [a, sa, "alpha-secret-call"],
      [b, sb, "beta-call"],
    ] as const) {
      for (const [name, call] of routes(historyReader(api, account.id, ADMIN_TOKEN), sessionId)) {
        const res = await call();
        expect(res.status, name).toBe(200);
        expect(JSON.stringify(res.body.data), name).toContain(name === "list" ? sessionId : callId);
      }
    }
  });
});
