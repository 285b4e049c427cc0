/**
 * Retention through the real edges: events come in over RabbitMQ, pruning runs on parley's own
 * schedule, and what is kept is read back through the history API, the WebSocket replay and
 * `/metrics`. The server's clock is a frozen one the test moves (`received_at`, session times and
 * the retention cutoff all read it), so "older than the retention" is exact and nothing waits for
 * real time to pass beyond the retention schedule's one-second interval.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { ConfigError, loadConfig } from "../server/config";
import type { ParleyServer } from "../server/create-server";
import {
  type ApiClient,
  apiClient,
  createAccount,
  type Json,
  type TestAccount,
} from "./helpers/api";
import { currentFeedEvent, hexId, type MemberState } from "./helpers/events";
import { startBrokerServerWith } from "./helpers/meetings";
import { spawnParley } from "./helpers/process";
import { connectWs, type TestSocket } from "./helpers/ws-client";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const PRUNED_EVENTS = 'parley_retention_pruned_rows_total{table="events"}';
const PRUNED_SESSIONS = 'parley_retention_pruned_rows_total{table="sessions"}';
const PRUNED_PARTICIPANTS = 'parley_retention_pruned_rows_total{table="participants"}';
const OLDEST_SEQ = "parley_event_log_oldest_seq";
const RETENTION_RULE =
  "must be 0 (keep forever) or a number and a unit (Y, M, D, h, m, s), e.g. 30D";

/** A clock that stands still until the test moves it. */
function frozenClock(start = Date.UTC(2026, 2, 2, 9, 0, 0)) {
  let at = start;
  return {
    now: () => at,
    advance(ms: number) {
      at += ms;
    },
  };
}

/** The value of one series in `/metrics` (0 when absent). */
async function metric(server: ParleyServer, series: string): Promise<number> {
  const text = await fetch(`${server.url}/metrics`).then((r) => r.text());
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** Events parley committed, every kind together. */
async function ingested(server: ParleyServer): Promise<number> {
  const text = await fetch(`${server.url}/metrics`).then((r) => r.text());
  return text
    .split("\n")
    .filter((l) => l.startsWith("parley_events_ingested_total{"))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

interface Rig {
  server: ParleyServer;
  api: ApiClient;
  account: TestAccount;
  clock: ReturnType<typeof frozenClock>;
  /** Publishes one current-feed event of a participant like a media server; returns its Msg-ID. */
  publish(event: string, conferenceId: string, callId: string, member: MemberState): string;
  get(path: string): Promise<Json>;
  /** Stops parley and starts it again on the same database, topology and clock. */
  restart(): Promise<void>;
}

/** parley on RabbitMQ (its own topology and database, in memory unless given) with a frozen clock. */
async function rig(env: Record<string, string>): Promise<Rig> {
  const clock = frozenClock();
  const { server, probe, topology } = await startBrokerServerWith(env, { now: clock.now });
  const api = apiClient(server);
  const account = await createAccount(api);
  const r: Rig = {
    server,
    api,
    account,
    clock,
    publish(event, conferenceId, callId, member) {
      const msgId = hexId(8);
      const built = currentFeedEvent(
        event,
        { accountId: account.id, conferenceId, callId, msgId },
        member,
      );
      probe.publish(built.routingKey, built.body);
      return msgId;
    },
    get: (path) => r.api.get(`/v2/accounts/${account.id}${path}`, { token: account.token }),
    async restart() {
      await r.server.close();
      r.server = (await startBrokerServerWith(env, { now: clock.now }, topology)).server;
      r.api = apiClient(r.server);
    },
  };
  return r;
}

/** Waits until parley committed `count` events in all. */
async function committed(server: ParleyServer, count: number): Promise<void> {
  await expect.poll(() => ingested(server), { timeout: 20_000, interval: 20 }).toBe(count);
}

/** The session of a conference (its only one). */
async function sessionOf(r: Rig, conferenceId: string): Promise<Json> {
  const res = await r.get(`/conferences/${conferenceId}/sessions`);
  expect(res.status).toBe(200);
  expect(res.body.data).toHaveLength(1);
  return res.body.data[0];
}

/** Every event of a session through the timeline's pages, from `afterSeq`. */
async function timeline(r: Rig, sessionId: string, afterSeq: number): Promise<Json[]> {
  const events: Json[] = [];
  let after = afterSeq;
  for (;;) {
    const page = await r.get(`/sessions/${sessionId}/events?after_seq=${after}&limit=1000`);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    events.push(...page.body.data);
    if (page.body.next_after_seq === undefined) {
      return events;
    }
    after = page.body.next_after_seq;
  }
}

const subscribe = (r: Rig, binding: string, resumeFrom: number) => ({
  action: "subscribe",
  auth_token: r.account.token,
  data: { account_id: r.account.id, binding, resume_from: resumeFrom },
});

/** The event frames a socket received, in order. */
const eventFrames = (ws: TestSocket): Json[] => ws.frames.filter((f) => f.action === "event");

describe("event-log retention under ingest", () => {
  it("prunes the expired first wave while a second wave streams in, and keeps every event of the second", async () => {
    const r = await rig({ PARLEY_EVENT_RETENTION: "2s" });
    // First wave: 4,000 events over 40 conferences, all received at T0.
    const FIRST = 4000;
    const firstWave = Array.from({ length: 40 }, () => hexId());
    for (const [c, conferenceId] of firstWave.entries()) {
      r.publish("add-member", conferenceId, "caller", { participantId: c + 1 });
      for (let i = 1; i < FIRST / firstWave.length; i += 1) {
        const talking = i % 2 === 1;
        r.publish(talking ? "start-talking" : "stop-talking", conferenceId, "caller", {
          participantId: c + 1,
          talking,
        });
      }
    }
    await committed(r.server, FIRST);
    // At T0 all of it is within the retention: nothing was removed.
    expect(await metric(r.server, PRUNED_EVENTS)).toBe(0);
    expect(await metric(r.server, OLDEST_SEQ)).toBe(1);
    const oldSession = await sessionOf(r, firstWave[0] as string);

    // A minute later the whole first wave is past the 2 s retention. The second wave streams
    // in, chunk after chunk as parley takes them, until pruning has finished, and a while after.
    r.clock.advance(MINUTE);
    const conferenceId = hexId();
    const callers = [1, 2, 3, 4, 5];
    const secondWave: string[] = callers.map((p) =>
      r.publish("add-member", conferenceId, `call-${p}`, { participantId: p }),
    );
    let starts = 0;
    let chunksAfterPruning = -1;
    while (chunksAfterPruning < 5) {
      // A chunk is published while the previous one is still being taken: ingest never idles.
      const backlog = secondWave.length;
      for (let i = 0; i < 50; i += 1) {
        const p = callers[i % callers.length] as number;
        const talking = Math.floor(i / callers.length) % 2 === 0;
        starts += talking ? 1 : 0;
        secondWave.push(
          r.publish(talking ? "start-talking" : "stop-talking", conferenceId, `call-${p}`, {
            participantId: p,
            talking,
          }),
        );
      }
      await expect
        .poll(() => ingested(r.server), { timeout: 20_000, interval: 5 })
        .toBeGreaterThanOrEqual(FIRST + backlog);
      const pruned = await metric(r.server, PRUNED_EVENTS);
      if (chunksAfterPruning >= 0 || pruned === FIRST) {
        chunksAfterPruning += 1;
      }
      // Pruning takes well under a second; a stuck retention fails here, not by a timeout.
      expect(secondWave.length, "the first wave was never pruned").toBeLessThan(8000);
    }
    await committed(r.server, FIRST + secondWave.length);

    // Exactly the first wave went: the watermark is its last seq, nothing newer was removed.
    expect(await metric(r.server, PRUNED_EVENTS)).toBe(FIRST);
    expect(await metric(r.server, OLDEST_SEQ)).toBe(FIRST + 1);
    // Ingest kept up: every event of the second wave was applied...
    expect(await ingested(r.server)).toBe(FIRST + secondWave.length);
    const session = await sessionOf(r, conferenceId);
    expect(session).toMatchObject({ live: true, participants_now: 5, first_seq: FIRST + 1 });
    const detail = await r.get(`/sessions/${session.id}`);
    expect(detail.body.data.participants.reduce((n: number, p: Json) => n + p.talk_count, 0)).toBe(
      starts,
    );
    // ...and is readable, in order, from the session's timeline (from its start: none of its
    // events is below the watermark, so no after_seq is too old for it)...
    const page = await timeline(r, session.id, 0);
    expect(page.map((e) => e.data.msg_id)).toEqual(secondWave);
    expect(page.map((e) => e.seq)).toEqual(secondWave.map((_, i) => FIRST + 1 + i));
    // ...and from a WebSocket replay that starts at the watermark.
    const ws = await connectWs(r.server);
    const reply = await ws.request(subscribe(r, "conference.event.*.*", FIRST));
    expect(reply.status).toBe("success");
    const replayed = await ws.events(secondWave.length);
    expect(replayed.map((f) => f.data.msg_id)).toEqual(secondWave);
    // The first wave's sessions are still there, their events are not.
    expect((await r.get(`/sessions/${oldSession.id}`)).body.data).toMatchObject({
      id: oldSession.id,
      first_seq: 1,
    });
    const gone = await r.get(`/sessions/${oldSession.id}/events`);
    expect(gone.status).toBe(400);
    expect(gone.body.data.after_seq.minimum.message).toBe(
      `after_seq 0 is older than the event log keeps; the oldest available seq is ${FIRST + 1}`,
    );
  });
});

describe("session summaries after their events were pruned", () => {
  it("still answers an ended session's participants and figures; its timeline names the oldest seq kept", async () => {
    const r = await rig({ PARLEY_EVENT_RETENTION: "2s" });
    const conferenceId = hexId();
    const a = { participantId: 1 };
    const b = { participantId: 2 };
    // T0: a and b join, a is muted, b starts talking (seq 1–4).
    r.publish("add-member", conferenceId, "a", a);
    r.publish("add-member", conferenceId, "b", b);
    r.publish("mute-member", conferenceId, "a", { ...a, speak: false });
    r.publish("start-talking", conferenceId, "b", { ...b, talking: true });
    await committed(r.server, 4);
    // Ten minutes later b stops, a is unmuted, both leave: the session ends (seq 5–8).
    r.clock.advance(10 * MINUTE);
    const kept = [
      r.publish("stop-talking", conferenceId, "b", b),
      r.publish("unmute-member", conferenceId, "a", a),
      r.publish("del-member", conferenceId, "a", a),
      r.publish("del-member", conferenceId, "b", b),
    ];
    await committed(r.server, 8);
    await expect.poll(() => metric(r.server, PRUNED_EVENTS), { timeout: 10_000 }).toBe(4);

    const session = await sessionOf(r, conferenceId);
    expect(session).toMatchObject({
      live: false,
      end_reason: "last_member_left",
      duration: 600,
      peak_participants: 2,
      total_participants: 2,
      first_seq: 1,
      end_seq: 8,
    });
    const detail = await r.get(`/sessions/${session.id}`);
    expect(detail.status).toBe(200);
    const [pa, pb] = detail.body.data.participants;
    expect(pa).toMatchObject({
      call_id: "a",
      present: false,
      left_reason: "hung_up",
      time_in_conference: 600,
      time_muted: 600,
      talk_time: 0,
      talk_count: 0,
    });
    expect(pb).toMatchObject({
      call_id: "b",
      present: false,
      left_reason: "hung_up",
      time_in_conference: 600,
      time_muted: 0,
      talk_time: 600,
      talk_count: 1,
    });

    // From the session's start (seq 1, pruned): refused, naming the oldest seq kept.
    const fromStart = await r.get(`/sessions/${session.id}/events`);
    expect(fromStart.status).toBe(400);
    expect(fromStart.body.message).toBe("validation error");
    expect(fromStart.body.data.after_seq.minimum.message).toBe(
      "after_seq 0 is older than the event log keeps; the oldest available seq is 5",
    );
    const belowWatermark = await r.get(`/sessions/${session.id}/events?after_seq=3`);
    expect(belowWatermark.status).toBe(400);
    expect(belowWatermark.body.data.after_seq.minimum.message).toBe(
      "after_seq 3 is older than the event log keeps; the oldest available seq is 5",
    );
    // From just before the oldest seq kept: the rest of the session, to its end.
    const rest = await r.get(`/sessions/${session.id}/events?after_seq=4`);
    expect(rest.status).toBe(200);
    expect(rest.body.data.map((e: Json) => [e.seq, e.event, e.data.msg_id])).toEqual([
      [5, "stop-talking", kept[0]],
      [6, "unmute-member", kept[1]],
      [7, "del-member", kept[2]],
      [8, "del-member", kept[3]],
    ]);
    expect(rest.body).toMatchObject({ oldest_seq: 5, resume_from: 8 });
  });
});

describe("WebSocket resume_from against the pruned log", () => {
  it("refuses a resume_from below the watermark with the oldest seq, and replays from it or above", async () => {
    const r = await rig({ PARLEY_EVENT_RETENTION: "2s" });
    const conferenceId = hexId();
    const binding = `conference.event.${conferenceId}.*`;
    const caller = { participantId: 7 };
    r.publish("add-member", conferenceId, "c", caller);
    for (let i = 0; i < 4; i += 1) {
      r.publish(i % 2 === 0 ? "start-talking" : "stop-talking", conferenceId, "c", caller);
    }
    await committed(r.server, 5);
    r.clock.advance(MINUTE);
    const kept = [0, 1, 2].map((i) =>
      r.publish(i % 2 === 0 ? "start-talking" : "stop-talking", conferenceId, "c", caller),
    );
    await committed(r.server, 8);
    await expect.poll(() => metric(r.server, PRUNED_EVENTS), { timeout: 10_000 }).toBe(5);

    const ws = await connectWs(r.server);
    for (const below of [0, 4]) {
      const refused = await ws.request(subscribe(r, binding, below));
      expect(refused.status).toBe("error");
      expect(refused.data.errors).toEqual([
        `resume_from ${below} is older than the event log keeps; the oldest available seq is 6`,
      ]);
    }
    // A refused subscribe subscribed nothing; at the watermark the same socket gets every
    // event kept, then the live ones.
    expect(eventFrames(ws)).toHaveLength(0);
    const atWatermark = await ws.request(subscribe(r, binding, 5));
    expect(atWatermark.status).toBe("success");
    await ws.events(3);
    const live = r.publish("stop-talking", conferenceId, "c", caller);
    const frames = await ws.events(4);
    expect(frames.map((f) => [f.seq, f.data.msg_id])).toEqual([
      [6, kept[0]],
      [7, kept[1]],
      [8, kept[2]],
      [9, live],
    ]);

    // Above the watermark: from there on, nothing older.
    const above = await connectWs(r.server);
    expect((await above.request(subscribe(r, binding, 7))).status).toBe("success");
    const later = await above.events(2);
    expect(later.map((f) => f.seq)).toEqual([8, 9]);
  });
});

describe("the watermark across a restart", () => {
  it("keeps refusing what was pruned after a restart, and numbers new events after the pruned ones even when the log was emptied", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-retention-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const r = await rig({ PARLEY_EVENT_RETENTION: "2s", PARLEY_DB: join(dir, "parley.db") });
    const conferenceId = hexId();
    const binding = `conference.event.${conferenceId}.*`;
    const caller = { participantId: 4 };
    r.publish("add-member", conferenceId, "c", caller);
    r.publish("start-talking", conferenceId, "c", caller);
    r.publish("stop-talking", conferenceId, "c", caller);
    await committed(r.server, 3);
    // Everything in the log expires: it is emptied, the watermark is its last seq.
    r.clock.advance(MINUTE);
    await expect.poll(() => metric(r.server, PRUNED_EVENTS), { timeout: 10_000 }).toBe(3);
    expect(await metric(r.server, OLDEST_SEQ)).toBe(4);

    await r.restart();
    expect(await metric(r.server, OLDEST_SEQ)).toBe(4);
    const ws = await connectWs(r.server);
    const refused = await ws.request(subscribe(r, binding, 2));
    expect(refused.data.errors).toEqual([
      "resume_from 2 is older than the event log keeps; the oldest available seq is 4",
    ]);
    expect((await ws.request(subscribe(r, binding, 3))).status).toBe("success");
    // The next event is seq 4, not a reused 1 below the watermark.
    const next = r.publish("start-talking", conferenceId, "c", caller);
    const [frame] = await ws.events(1);
    expect([frame.seq, frame.data.msg_id]).toEqual([4, next]);
    const session = await sessionOf(r, conferenceId);
    const rest = await r.get(`/sessions/${session.id}/events?after_seq=3`);
    expect(rest.body.data.map((e: Json) => e.seq)).toEqual([4]);
  });
});

describe("session retention", () => {
  it("removes ended sessions older than PARLEY_SESSION_RETENTION and keeps live and recent ones", async () => {
    const r = await rig({ PARLEY_SESSION_RETENTION: "10s" });
    const old = hexId();
    const live = hexId();
    const recent = hexId();
    // T0: `old` runs and ends with two callers; `live` starts and stays on.
    r.publish("add-member", old, "o1", { participantId: 1 });
    r.publish("add-member", old, "o2", { participantId: 2 });
    r.publish("del-member", old, "o1", { participantId: 1 });
    r.publish("del-member", old, "o2", { participantId: 2 });
    r.publish("add-member", live, "l1", { participantId: 1 });
    await committed(r.server, 5);
    const oldSession = await sessionOf(r, old);
    const liveSession = await sessionOf(r, live);
    expect(oldSession.live).toBe(false);

    // A minute later `old` ended 60 s ago (> 10 s); `recent` runs and ends now.
    r.clock.advance(MINUTE);
    r.publish("add-member", recent, "r1", { participantId: 1 });
    r.publish("del-member", recent, "r1", { participantId: 1 });
    await committed(r.server, 7);
    await expect.poll(() => metric(r.server, PRUNED_SESSIONS), { timeout: 10_000 }).toBe(1);
    expect(await metric(r.server, PRUNED_PARTICIPANTS)).toBe(2);
    const recentSession = await sessionOf(r, recent);

    expect((await r.get(`/sessions/${oldSession.id}`)).status).toBe(404);
    expect((await r.get(`/conferences/${old}/sessions`)).body.data).toEqual([]);
    const listed = await r.get("/sessions");
    expect(listed.body.data.map((s: Json) => s.id)).toEqual([recentSession.id, liveSession.id]);
    const recentDetail = await r.get(`/sessions/${recentSession.id}`);
    expect(recentDetail.body.data.participants.map((p: Json) => p.call_id)).toEqual(["r1"]);
    const liveDetail = await r.get(`/sessions/${liveSession.id}`);
    expect(liveDetail.body.data).toMatchObject({ live: true, started_at: liveSession.started_at });
    expect(liveDetail.body.data.participants).toMatchObject([{ call_id: "l1", present: true }]);
    // Session retention leaves the event log alone (PARLEY_EVENT_RETENTION is 30 days).
    expect(await metric(r.server, PRUNED_EVENTS)).toBe(0);

    // Another minute: `recent` is old now too; `live`, which started two minutes ago, stays.
    r.clock.advance(MINUTE);
    await expect.poll(() => metric(r.server, PRUNED_SESSIONS), { timeout: 10_000 }).toBe(2);
    expect((await r.get(`/sessions/${recentSession.id}`)).status).toBe(404);
    const remaining = await r.get("/sessions");
    expect(remaining.body.data.map((s: Json) => s.id)).toEqual([liveSession.id]);
    // The live session goes on being recorded: it ends normally when its caller leaves.
    r.publish("del-member", live, "l1", { participantId: 1 });
    await committed(r.server, 8);
    const ended = await r.get(`/sessions/${liveSession.id}`);
    expect(ended.body.data).toMatchObject({ live: false, duration: 120, end_seq: 8 });
  });
});

describe("retention settings", () => {
  it("keeps every event with PARLEY_EVENT_RETENTION=0, however old, while the schedule runs", async () => {
    // Session retention keeps the schedule running, so event retention 0 is seen to do nothing.
    const r = await rig({ PARLEY_EVENT_RETENTION: "0", PARLEY_SESSION_RETENTION: "2s" });
    const conferenceId = hexId();
    const caller = { participantId: 3 };
    const published = [
      r.publish("add-member", conferenceId, "c", caller),
      r.publish("start-talking", conferenceId, "c", caller),
      r.publish("stop-talking", conferenceId, "c", caller),
      r.publish("del-member", conferenceId, "c", caller),
    ];
    await committed(r.server, 4);
    // Ten years on (a fresh token: the first expired), the ended session is removed...
    r.clock.advance(3650 * 24 * 60 * MINUTE);
    await expect.poll(() => metric(r.server, PRUNED_SESSIONS), { timeout: 10_000 }).toBe(1);
    const auth = await r.api.put("/v2/api_auth", {
      body: { data: { api_key: r.account.apiKey } },
    });
    r.account.token = auth.body.auth_token;
    // ...and every event is still there.
    expect(await metric(r.server, PRUNED_EVENTS)).toBe(0);
    expect(await metric(r.server, OLDEST_SEQ)).toBe(1);
    const ws = await connectWs(r.server);
    expect((await ws.request(subscribe(r, "conference.event.*.*", 0))).status).toBe("success");
    const frames = await ws.events(4);
    expect(frames.map((f) => f.data.msg_id)).toEqual(published);
  });

  it("reads the retentions as a number and a unit, 0 for forever, with 30 days and a year by default", () => {
    const base = { PARLEY_ADMIN_TOKEN: "test-admin-token-0123456789abcdef" };
    expect(loadConfig(base)).toMatchObject({
      eventRetentionMs: 30 * 86_400_000,
      sessionRetentionMs: 365 * 86_400_000,
    });
    expect(
      loadConfig({ ...base, PARLEY_EVENT_RETENTION: "2s", PARLEY_SESSION_RETENTION: "0" }),
    ).toMatchObject({ eventRetentionMs: 2000, sessionRetentionMs: 0 });
    expect(loadConfig({ ...base, PARLEY_EVENT_RETENTION: "12h" }).eventRetentionMs).toBe(
      12 * 3_600_000,
    );
  });

  it.each(["30", "-1D", "abc"])(
    "refuses to load the configuration with a retention of %j, naming the setting and its form",
    (value) => {
      for (const name of ["PARLEY_EVENT_RETENTION", "PARLEY_SESSION_RETENTION"]) {
        const load = () => loadConfig({ [name]: value });
        expect(load).toThrow(ConfigError);
        expect(load).toThrow(`invalid configuration:\n  ${name}: ${RETENTION_RULE}`);
      }
    },
  );

  it("stops the process at start-up with status 78 and the config error on an invalid retention", async () => {
    const parley = spawnParley({ PARLEY_EVENT_RETENTION: "-1D", PARLEY_DB: ":memory:" });
    expect((await parley.exited).code).toBe(78);
    expect(parley.stderr()).toBe(
      `parley: invalid configuration:\n  PARLEY_EVENT_RETENTION: ${RETENTION_RULE}\n`,
    );
  });
});
