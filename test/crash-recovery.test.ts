import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { createAccount, type Json } from "./helpers/api";
import { AMQP_URL, brokerProbe, newTopology } from "./helpers/broker";
import { currentFeedEvent, prng } from "./helpers/events";
import { startParleyProcess } from "./helpers/process";
import { type ReceivedRequest, startReceiver } from "./helpers/receiver";
import { ADMIN_TOKEN } from "./helpers/server";
import { expectDrainedOnce, openEventLog, publishConfirmed } from "./helpers/stream";
import { createWebhook, jsonBody, verifyRequest } from "./helpers/webhooks";

const TOTAL = 50_000;
const CONFERENCES = 200;
const ACCOUNT_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";

interface OracleMember {
  participantId: number;
  isModerator: boolean;
  speak: boolean;
  hear: boolean;
  talking: boolean;
}

interface OracleConference {
  locked: boolean;
  members: Map<string, OracleMember>;
}

/**
 * The deterministic stream and, computed independently from it, the state it must leave behind
 * and the participantJoined/participantLeft deliveries it implies (one label per call and kind).
 * Per-call events only ever target calls that are present; each call joins once and leaves at
 * most once; the last leave ends the conference (which forgets its lock).
 */
function buildStream(accountId: string) {
  const random = prng(20261122);
  const conferenceIds = Array.from(
    { length: CONFERENCES },
    (_, i) => `${i.toString(16).padStart(8, "0")}c0f0e0d0c0b0a09080706050`,
  );
  const running = new Map<string, OracleConference>();
  const deliveries: string[] = [];
  const events: Array<{ routingKey: string; body: Record<string, unknown> }> = [];
  let nextCall = 0;
  for (let i = 0; i < TOTAL; i += 1) {
    const conferenceId = conferenceIds[Math.floor(random() * CONFERENCES)] as string;
    const msgId = `msg-${i.toString(16).padStart(8, "0")}`;
    const conference = running.get(conferenceId);
    const present = conference ? [...conference.members.keys()] : [];
    const roll = random();
    let kind: string;
    if (present.length === 0 || roll < 0.12) {
      kind = roll < 0.04 && present.length > 0 ? "lock-toggle" : "add-member";
    } else if (roll < 0.2) {
      kind = "del-member";
    } else {
      kind = ["talk", "mute", "deaf"][Math.floor(random() * 3)] as string;
    }
    if (kind === "lock-toggle") {
      const state = conference as OracleConference;
      const event = state.locked ? "unlock" : "lock";
      state.locked = !state.locked;
      events.push(currentFeedEvent(event, { accountId, conferenceId, msgId }));
      continue;
    }
    if (kind === "add-member") {
      nextCall += 1;
      const callId = `call-${nextCall}`;
      const member: OracleMember = {
        participantId: nextCall,
        isModerator: nextCall % 7 === 0,
        speak: nextCall % 3 !== 0,
        hear: true,
        talking: false,
      };
      const state = conference ?? { locked: false, members: new Map() };
      state.members.set(callId, member);
      running.set(conferenceId, state);
      events.push(
        currentFeedEvent("add-member", { accountId, conferenceId, callId, msgId }, { ...member }),
      );
      deliveries.push(`${conferenceId} meeting.participantJoined:${callId}`);
      continue;
    }
    const state = conference as OracleConference;
    const callId = present[Math.floor(random() * present.length)] as string;
    const member = state.members.get(callId) as OracleMember;
    let event: string;
    if (kind === "del-member") {
      event = "del-member";
      state.members.delete(callId);
      deliveries.push(`${conferenceId} meeting.participantLeft:${callId}`);
      if (state.members.size === 0) {
        running.delete(conferenceId);
      }
    } else if (kind === "talk") {
      event = member.talking ? "stop-talking" : "start-talking";
      member.talking = !member.talking;
    } else if (kind === "mute") {
      event = member.speak ? "mute-member" : "unmute-member";
      member.speak = !member.speak;
    } else {
      event = member.hear ? "deaf-member" : "undeaf-member";
      member.hear = !member.hear;
    }
    events.push(currentFeedEvent(event, { accountId, conferenceId, callId, msgId }, { ...member }));
  }
  return { events, running, deliveries };
}

/** What a native request is about: conference, type and participant. */
function labelOf(request: ReceivedRequest): string {
  const body = jsonBody(request);
  const peer = body.data?.participant?.peerId;
  return `${body.data?.meeting?.id} ${body.type}${peer ? `:${peer}` : ""}`;
}

describe("crash recovery under load", () => {
  it("after SIGKILL mid-stream and a restart, the live state, the event log and the join/leave webhooks all match the published stream exactly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-crash-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const dbPath = join(dir, "parley.db");
    const topology = newTopology();
    const probe = await brokerProbe(topology);
    const receiver = await startReceiver();
    const env = {
      PARLEY_DB: dbPath,
      PARLEY_ADMIN_TOKEN: ADMIN_TOKEN,
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
      AMQP_URL,
      AMQP_EXCHANGE: topology.exchange,
      AMQP_QUEUE: topology.queue,
    };
    const start = () => startParleyProcess(env);

    const first = await start();
    const account = await createAccount(first.api, "Crash", ACCOUNT_ID);
    expect(account.id).toBe(ACCOUNT_ID);
    const hook = await createWebhook(first.api, account, {
      url: `${receiver.url}/hook`,
      event_types: ["meeting.participantJoined", "meeting.participantLeft"],
    });

    const { events, running, deliveries } = buildStream(account.id);
    const log = openEventLog(dbPath);
    const { reader, logged } = log;

    // Publish persistently with confirms, in chunks, while watching the log to kill mid-stream.
    const stream = await publishConfirmed(topology.exchange, events);
    await expect.poll(logged, { timeout: 60_000, interval: 10 }).toBeGreaterThan(10_000);
    first.parley.child.kill("SIGKILL");
    await first.parley.exited;
    const atKill = logged();
    const publishedAtKill = stream.published();
    expect(atKill).toBeLessThan(TOTAL);
    await stream.done;
    expect(stream.published()).toBe(TOTAL);

    const second = await start();
    // The event log: each published event exactly once.
    await expectDrainedOnce({
      log,
      channel: stream.channel,
      queue: topology.queue,
      probe,
      total: TOTAL,
      timeout: 90_000,
    });

    // Each conference's events are logged (applied) in the order they were published.
    const order = reader
      .prepare("SELECT conference_id AS c, msg_id AS m FROM events ORDER BY seq")
      .all() as Array<{ c: string; m: string }>;
    const lastByConference = new Map<string, number>();
    const outOfOrder: string[] = [];
    for (const { c, m } of order) {
      const index = Number.parseInt(m.slice(4), 16);
      if ((lastByConference.get(c) ?? -1) > index) {
        outOfOrder.push(
          `${m} after msg-${(lastByConference.get(c) ?? 0).toString(16).padStart(8, "0")} in ${c}`,
        );
      }
      lastByConference.set(c, Math.max(lastByConference.get(c) ?? -1, index));
    }
    // Soft: an ordering fault must not hide what it does to the state and the webhooks.
    expect
      .soft(outOfOrder.slice(0, 10), `${outOfOrder.length} events applied out of order`)
      .toEqual([]);

    // The live state, over HTTP, against the oracle: every running conference, its counts, its
    // lock and each participant's flags.
    const list = await second.api.get(`/v2/accounts/${account.id}/conferences`, {
      token: account.token,
    });
    expect(list.status).toBe(200);
    const actualState: Record<string, unknown> = {};
    for (const row of list.body.data as Json[]) {
      const detail = await second.api.get(`/v2/accounts/${account.id}/conferences/${row.id}`, {
        token: account.token,
      });
      expect(detail.status).toBe(200);
      const readOnly = detail.body.data._read_only;
      actualState[row.id] = {
        listed: { members: row.members, admins: row.admins, is_locked: row.is_locked },
        members: readOnly.members,
        moderators: readOnly.moderators,
        is_locked: readOnly.is_locked,
        participants: Object.fromEntries(
          (readOnly.participants as Json[]).map((p) => [
            p.call_id,
            {
              participantId: p.participant_id,
              isModerator: p.is_moderator,
              speak: p.speak,
              hear: p.hear,
              talking: p.talking,
            },
          ]),
        ),
      };
    }
    const expectedState: Record<string, unknown> = {};
    let participantsChecked = 0;
    for (const [conferenceId, state] of running) {
      const moderators = [...state.members.values()].filter((m) => m.isModerator).length;
      const members = state.members.size - moderators;
      expectedState[conferenceId] = {
        listed: { members, admins: moderators, is_locked: state.locked },
        members,
        moderators,
        is_locked: state.locked,
        participants: Object.fromEntries(state.members),
      };
      participantsChecked += state.members.size;
    }
    expect.soft(actualState).toEqual(expectedState);

    // Every join and leave the stream implies arrives, each under one webhook-id only.
    await vi.waitFor(
      () => {
        const done = new Set(receiver.requests.filter((r) => r.answered === 200).map(labelOf));
        const missing = deliveries.filter((label) => !done.has(label));
        if (missing.length > 0) {
          throw new Error(`${missing.length} of ${deliveries.length} deliveries not arrived yet`);
        }
      },
      { timeout: 120_000, interval: 200 },
    );
    const idsByLabel = new Map<string, Set<string>>();
    const bodyById = new Map<string, string>();
    for (const request of receiver.requests) {
      const id = request.headers["webhook-id"] ?? "";
      const label = labelOf(request);
      idsByLabel.set(label, (idsByLabel.get(label) ?? new Set()).add(id));
      if (bodyById.has(id)) {
        expect(request.body, `body of ${id}`).toBe(bodyById.get(id));
      }
      bodyById.set(id, request.body);
    }
    expect([...idsByLabel.keys()].sort()).toEqual([...deliveries].sort());
    const repeated = [...idsByLabel].filter(([, ids]) => ids.size !== 1).map(([label]) => label);
    expect(repeated).toEqual([]);
    for (const request of receiver.requests.slice(0, 50)) {
      expect(verifyRequest(request, hook.secret)).toEqual(JSON.parse(request.body));
    }

    console.info(
      `crash recovery: ${TOTAL} events published (${publishedAtKill} confirmed when killed), ${atKill} applied before SIGKILL, ${logged()} logged after restart; ${running.size} conferences and ${participantsChecked} participants match the oracle; ${deliveries.length} deliveries verified (${receiver.requests.length} requests received)`,
    );
  }, 300_000);
});
