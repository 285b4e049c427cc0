/**
 * Conference history computed from a recorded event stream on the real RabbitMQ: sessions (one
 * run each), their participants' stays and leave reasons, and the time muted, deaf and talking.
 * The clock moves between events (each applied before it moves), so an interval is the advance
 * plus at most the real time the round trips took; `expectSpans` checks exactly that window.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import type { Json } from "./helpers/api";
import { newTopology } from "./helpers/broker";
import {
  accountFeed,
  bracket,
  expectSpan,
  expectSpans,
  expectTimeWithin,
  expectWholeSeconds,
  historyReader,
  historyRig,
  kickThroughApi,
  onlySession,
  onlySessionDetail,
  participantOf,
  leaveReasons as reasons,
  sessionDetail,
  startHistoryServer,
  stoppedClock,
} from "./helpers/history";
import { testClock } from "./helpers/meetings";

describe("conference sessions from the event stream", () => {
  it("counts a caller who rejoined once, keeps both stays, and reports the peak of who was in at once", async () => {
    const { clock, media, history, conferenceId } = await historyRig();
    const alice = media.call(conferenceId, "call-alice", { participantId: 1 });
    const bob = media.call(conferenceId, "call-bob", { participantId: 2 });
    const carol = media.call(conferenceId, "call-carol", { participantId: 4 });
    const aliceIn = await alice.join();
    clock.advance(10_000);
    const bobIn1 = await bob.join();
    clock.advance(20_000);
    const bobOut1 = await bob.leave();
    clock.advance(15_000);
    bob.state.participantId = 3; // a rejoining call gets a new member id
    const bobIn2 = await bob.join();
    clock.advance(5_000);
    const bobOut2 = await bob.leave();
    const carolIn = await carol.join();
    clock.advance(8_000);
    const carolOut = await carol.leave();
    clock.advance(2_000);
    const aliceOut = await alice.leave();

    const listed = await onlySession(history, conferenceId);
    expect(listed).toMatchObject({
      conference_id: conferenceId,
      conference_name: "Sales Weekly",
      instance_id: "d5765180-53d5-4104-860e-b352f3f8e6b1",
      live: false,
      end_reason: "last_member_left",
      participants_now: 0,
      peak_participants: 2,
      total_participants: 3,
      first_seq: aliceIn.seq,
      end_seq: aliceOut.seq,
    });
    expectTimeWithin(listed.started_at, aliceIn, "started_at");
    expectTimeWithin(listed.ended_at, aliceOut, "ended_at");
    expectWholeSeconds(listed.duration, aliceIn, aliceOut, "duration");

    const session = await sessionDetail(history, listed.id);
    const { participants, ...summary } = session;
    expect(summary).toEqual(listed);
    expect(participants.map((p: Json) => p.call_id).join()).toBe("call-alice,call-bob,call-carol");
    const b = participantOf(session, "call-bob");
    expect(b).toMatchObject({
      participant_id: 3,
      caller_id_name: "Caller 2",
      caller_id_number: "1002",
      is_moderator: false,
      present: false,
      left_reason: "hung_up",
      time_muted: 0,
      time_deaf: 0,
      talk_time: 0,
      talk_count: 0,
    });
    expect(b.joins).toHaveLength(2);
    const stays = [[bobIn1, bobOut1] as const, [bobIn2, bobOut2] as const];
    stays.forEach(([joined, left], i) => {
      expect(b.joins[i].left_reason).toBe("hung_up");
      expectTimeWithin(b.joins[i].joined_at, joined, `stay ${i} joined_at`);
      expectTimeWithin(b.joins[i].left_at, left, `stay ${i} left_at`);
      expectSpan(b.joins[i].duration, joined, left, `stay ${i} duration`);
    });
    expect(b.first_joined_at).toBe(b.joins[0].joined_at);
    expect(b.last_left_at).toBe(b.joins[1].left_at);
    expectSpans(b.time_in_conference, [...stays], "bob's time in conference");
    expectSpan(participantOf(session, "call-carol").time_in_conference, carolIn, carolOut, "carol");
    expectSpan(participantOf(session, "call-alice").time_in_conference, aliceIn, aliceOut, "alice");
    // Ended, the session reads the same under its conference.
    const scoped = await history.one(listed.id, conferenceId);
    expect(scoped.status).toBe(200);
    expect(scoped.body.data).toEqual(session);
  });

  it("records a kick through parley's API as kicked, a kick-member from the media server as kicked_on_media_server, a del-member as hung_up", async () => {
    const rig = await historyRig();
    const { media, history, conferenceId } = rig;
    const host = media.call(conferenceId, "call-host", { participantId: 1, isModerator: true });
    const guests = [2, 3, 4].map((n) =>
      media.call(conferenceId, `call-${n}`, { participantId: n }),
    );
    for (const call of [host, ...guests]) {
      await call.join();
    }
    await kickThroughApi(rig, 2);
    expect(rig.probe.commands.at(-1)?.body).toMatchObject({
      "Application-Name": "kick",
      "Conference-ID": conferenceId,
      "Participant-ID": 2,
    });
    await guests[0]?.leave(); // the media server obeys
    await guests[1]?.send("kick-member"); // kicked by someone else, reported by the media server
    await guests[1]?.leave();
    await guests[2]?.leave();
    await host.leave();

    const session = await onlySessionDetail(history, conferenceId);
    expect(reasons(session)).toEqual({
      "call-host": "hung_up",
      "call-2": "kicked",
      "call-3": "kicked_on_media_server",
      "call-4": "hung_up",
    });
    const [stay, moderator] = [(p: Json) => p.joins[0].left_reason, (p: Json) => p.is_moderator];
    expect(session.participants.map(stay)).toEqual(Object.values(reasons(session)));
    expect(session.participants.map(moderator)).toEqual([true, false, false, false]);
    // The moderator was the last out: nobody was left for the host to end it for.
    expect(session).toMatchObject({
      end_reason: "last_member_left",
      total_participants: 4,
      peak_participants: 4,
    });
  });

  it("keeps a kick through parley's API as kicked when the media server also reports it with kick-member", async () => {
    // FreeSWITCH emits kick-member for every kick, parley's included, when Kazoo publishes it.
    const rig = await historyRig();
    const { media, history, conferenceId } = rig;
    const stays = media.call(conferenceId, "call-stays", { participantId: 1 });
    const kicked = media.call(conferenceId, "call-kicked", { participantId: 2 });
    await stays.join();
    await kicked.join();
    await kickThroughApi(rig, 2);
    await kicked.send("kick-member");
    await kicked.leave();
    const session = await onlySessionDetail(history, conferenceId);
    expect(participantOf(session, "call-kicked").left_reason).toBe("kicked");
  });

  it("ends a session as host_ended when the last leave follows a moderator's or an API kick of everyone, else as last_member_left", async () => {
    const rig = await historyRig();
    const { clock, media, history, conferenceId } = rig;
    const host = media.call(conferenceId, "call-host", { participantId: 1, isModerator: true });
    const guest = media.call(conferenceId, "call-guest", { participantId: 2 });
    // Run 1: the moderator hangs up, the guest follows 2 s later.
    await host.join();
    await guest.join();
    await host.leave();
    clock.advance(2_000);
    await guest.leave();
    // Run 2: the guest stays on 11 s after the moderator left (beyond the 10 s window).
    await host.join();
    await guest.join();
    await host.leave();
    clock.advance(11_000);
    await guest.leave();
    // Run 3: the operator kicks everyone through the API.
    clock.advance(1_000);
    await host.join();
    await guest.join();
    await kickThroughApi(rig);
    await guest.leave();
    await host.leave();

    const res = await history.list({}, conferenceId);
    const [third, second, first] = res.body.data;
    const ends = res.body.data.map((s: Json) => s.end_reason);
    expect(ends).toEqual(["host_ended", "last_member_left", "host_ended"]);
    expect(Date.parse(third.started_at)).toBeGreaterThan(Date.parse(second.started_at));
    expect(Date.parse(second.started_at)).toBeGreaterThan(Date.parse(first.started_at));
    const kicked = { "call-host": "kicked", "call-guest": "kicked" };
    expect(reasons(await sessionDetail(history, third.id))).toEqual(kicked);
    const hungUp = { "call-host": "hung_up", "call-guest": "hung_up" };
    expect(reasons(await sessionDetail(history, first.id))).toEqual(hungUp);
  });

  it("sums each participant's time muted (joining muted included), deaf and talking, closing open intervals at the leave", async () => {
    const { clock, media, history, conferenceId } = await historyRig();
    const alice = media.call(conferenceId, "call-alice", { participantId: 1, speak: false });
    const bob = media.call(conferenceId, "call-bob", { participantId: 2 });
    const aliceIn = await alice.join(); // joins muted
    await bob.join();
    clock.advance(4_000);
    const unmuted = await alice.send("unmute-member");
    clock.advance(1_000);
    const talk1 = await alice.send("start-talking");
    clock.advance(3_000);
    const quiet1 = await alice.send("stop-talking");
    clock.advance(1_000);
    const talk2 = await alice.send("start-talking");
    clock.advance(1_000);
    await alice.send("start-talking"); // a repeat while talking changes nothing
    clock.advance(1_000);
    const quiet2 = await alice.send("stop-talking");
    const deaf = await alice.send("deaf-member");
    clock.advance(6_000);
    const undeaf = await alice.send("undeaf-member");
    const muted = await alice.send("mute-member");
    clock.advance(1_000);
    await alice.send("mute-member"); // a repeat while muted changes nothing
    clock.advance(1_000);
    const aliceOut = await alice.leave(); // still muted: the leave ends the interval
    const bobDeaf = await bob.send("deaf-member");
    clock.advance(3_000);
    const bobOut = await bob.leave();

    const session = await onlySessionDetail(history, conferenceId);
    const a = participantOf(session, "call-alice");
    const mutedSpans = [[aliceIn, unmuted] as const, [muted, aliceOut] as const];
    expectSpans(a.time_muted, mutedSpans, "alice muted");
    expectSpan(a.time_deaf, deaf, undeaf, "alice deaf");
    expectSpans(a.talk_time, [[talk1, quiet1] as const, [talk2, quiet2] as const], "talking");
    expect(a.talk_count).toBe(2);
    expectSpan(a.time_in_conference, aliceIn, aliceOut, "alice in conference");
    const b = participantOf(session, "call-bob");
    expect(b).toMatchObject({ time_muted: 0, talk_time: 0, talk_count: 0 });
    expectSpan(b.time_deaf, bobDeaf, bobOut, "bob deaf");
  });

  it("ends every stay as conference_destroyed and the session as destroyed when the conference is destroyed with members in", async () => {
    const { clock, media, history, conferenceId } = await historyRig();
    const host = media.call(conferenceId, "call-host", { participantId: 1, isModerator: true });
    const muted = media.call(conferenceId, "call-muted", { participantId: 2, speak: false });
    const talker = media.call(conferenceId, "call-talker", { participantId: 3 });
    const early = media.call(conferenceId, "call-early", { participantId: 4 });
    const [, mutedIn] = [await host.join(), await muted.join(), await talker.join()];
    await early.join();
    clock.advance(3_000);
    await early.leave();
    const talking = await talker.send("start-talking");
    clock.advance(5_000);
    const destroyed = await media.destroy(conferenceId);

    const listed = await onlySession(history, conferenceId);
    expect(listed).toMatchObject({
      live: false,
      end_reason: "destroyed",
      end_seq: destroyed.seq,
      participants_now: 0,
      peak_participants: 4,
      total_participants: 4,
    });
    expectTimeWithin(listed.ended_at, destroyed, "ended_at");
    const session = await sessionDetail(history, listed.id);
    expect(reasons(session)).toEqual({
      "call-host": "conference_destroyed",
      "call-muted": "conference_destroyed",
      "call-talker": "conference_destroyed",
      "call-early": "hung_up",
    });
    for (const callId of ["call-host", "call-muted", "call-talker"]) {
      const p = participantOf(session, callId);
      expect(p.present).toBe(false);
      expectTimeWithin(p.last_left_at, destroyed, `${callId} left_at`);
    }
    expectSpan(participantOf(session, "call-talker").talk_time, talking, destroyed, "talker");
    expectSpan(participantOf(session, "call-muted").time_muted, mutedIn, destroyed, "muted");
  });

  it("keeps two runs of a conference apart as two sessions when the second begins in the millisecond the first ended", async () => {
    // Events taken in one batch share its time (a burst of short runs does this with the real
    // clock, batch-dependent); the stopped clock makes the shared millisecond certain.
    const { media, history, conferenceId } = await historyRig({ clock: stoppedClock() });
    const alice = media.call(conferenceId, "call-alice", { participantId: 1 });
    const bob = media.call(conferenceId, "call-bob", { participantId: 2 });
    const firstStart = await alice.join();
    const firstEnd = await alice.leave();
    const secondStart = await bob.join();
    const res = await history.list({}, conferenceId);
    expect(res.body.data.map((s: Json) => [s.live, s.first_seq, s.end_seq])).toEqual([
      [true, secondStart.seq, null],
      [false, firstStart.seq, firstEnd.seq],
    ]);
    const live = await sessionDetail(history, res.body.data[0].id);
    const present = live.participants.map((p: Json) => [p.call_id, p.present]);
    expect(present).toEqual([["call-bob", true]]);
  });

  it("keeps a caller whose join, drop and rejoin arrive within one millisecond present, with two stays", async () => {
    const { clock, media, history, conferenceId } = await historyRig({ clock: stoppedClock() });
    const alice = media.call(conferenceId, "call-alice", { participantId: 1 });
    const bob = media.call(conferenceId, "call-bob", { participantId: 2 });
    await alice.join();
    clock.advance(5_000);
    await bob.join();
    await bob.leave();
    await bob.join();
    const session = await onlySessionDetail(history, conferenceId);
    expect(session.participants_now).toBe(2);
    const b = participantOf(session, "call-bob");
    expect(b.present).toBe(true);
    expect(b.joins.map((j: Json) => j.left_reason)).toEqual(["hung_up", null]);
  });

  it("answers a live session with its figures to now: talk time grows while talking and stops when they stop", async () => {
    const { clock, media, history, conferenceId } = await historyRig();
    const alice = media.call(conferenceId, "call-alice", { participantId: 1 });
    const aliceIn = await alice.join();
    await media.call(conferenceId, "call-bob", { participantId: 2 }).join();
    clock.advance(2_000);
    const talking = await alice.send("start-talking");
    clock.advance(30_000);
    const id = (await onlySession(history, conferenceId)).id;
    const read = () => bracket(clock, () => sessionDetail(history, id));

    const first = await read();
    expect(first.value).toMatchObject({
      live: true,
      ended_at: null,
      end_reason: null,
      end_seq: null,
      participants_now: 2,
    });
    expectWholeSeconds(first.value.duration, aliceIn, first, "duration so far");
    const a1 = participantOf(first.value, "call-alice");
    expect(a1).toMatchObject({ present: true, left_reason: null, last_left_at: null });
    expect(a1.joins).toEqual([expect.objectContaining({ left_at: null, left_reason: null })]);
    expectSpan(a1.talk_time, talking, first, "talk time so far");
    expectSpan(a1.time_in_conference, aliceIn, first, "time in conference so far");

    clock.advance(45_000);
    const second = await read();
    const a2 = participantOf(second.value, "call-alice");
    expectSpan(a2.talk_time, talking, second, "talk time later");
    expect(a2.talk_time - a1.talk_time).toBeGreaterThanOrEqual(45);
    expect(second.value.duration - first.value.duration).toBeGreaterThanOrEqual(45);

    const quiet = await alice.send("stop-talking");
    clock.advance(10_000);
    const third = participantOf((await read()).value, "call-alice");
    expectSpan(third.talk_time, talking, quiet, "talk time once stopped");
    clock.advance(10_000);
    expect(participantOf((await read()).value, "call-alice").talk_time).toBe(third.talk_time);
  });

  it("continues the same session with the right figures when events arrive after a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-history-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const env = { PARLEY_DB: join(dir, "parley.db") };
    const options = { clock: testClock(), topology: newTopology(), env };
    const { clock, media, history, conferenceId, account, server } = await historyRig(options);
    const alice = media.call(conferenceId, "call-alice", { participantId: 1 });
    const bob = media.call(conferenceId, "call-bob", { participantId: 2 });
    const aliceIn = await alice.join();
    await bob.join();
    clock.advance(4_000);
    const talking = await alice.send("start-talking");
    const muted = await bob.send("mute-member");
    clock.advance(6_000);
    const before = await onlySession(history, conferenceId);
    expect(before).toMatchObject({ live: true, participants_now: 2 });
    await server.close();

    // While parley is down, alice stops talking; the queue keeps the event.
    clock.advance(10_000);
    const quietLo = clock.now();
    const quietId = alice.publish("stop-talking");
    const second = await startHistoryServer(options);
    media.feed = await accountFeed(second.server, account, muted.seq);
    const [quietFrame] = await media.feed.events(1, (f) => f.data.msg_id === quietId);
    const quiet = { lo: quietLo, hi: clock.now(), seq: quietFrame.seq };
    const unmuted = await bob.send("unmute-member");
    clock.advance(3_000);
    await bob.leave();
    clock.advance(1_000);
    const aliceOut = await alice.leave();

    const after = historyReader(second.api, account.id, account.token);
    const listed = await onlySession(after, conferenceId);
    expect(listed).toMatchObject({
      id: before.id,
      started_at: before.started_at,
      first_seq: before.first_seq,
      end_seq: aliceOut.seq,
      end_reason: "last_member_left",
      total_participants: 2,
      peak_participants: 2,
    });
    expectWholeSeconds(listed.duration, aliceIn, aliceOut, "duration across the restart");
    const session = await sessionDetail(after, listed.id);
    const a = participantOf(session, "call-alice");
    expect(a.joins).toHaveLength(1);
    expect(a.talk_count).toBe(1);
    expectSpan(a.talk_time, talking, quiet, "talking across the restart");
    expectSpan(a.time_in_conference, aliceIn, aliceOut, "alice across the restart");
    expectSpan(participantOf(session, "call-bob").time_muted, muted, unmuted, "bob muted");
    // The timeline holds every event of the run, both sides of the restart, in seq order.
    const events = await after.events(listed.id);
    expect(events.status).toBe(200);
    const seqs = events.body.data.map((e: Json) => e.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(events.body.data.map((e: Json) => e.data.msg_id)).toEqual(media.published);
    expect(events.body.resume_from).toBe(aliceOut.seq);
  });
});
