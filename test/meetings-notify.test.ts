import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import type { ParleyServer, ServerOverrides } from "../server/create-server";
import { type ApiClient, apiClient, createAccount, type Json } from "./helpers/api";
import {
  createMeeting,
  type MeetingsClient,
  meetingsClient,
  testClock,
  userToken,
} from "./helpers/meetings";
import { spawnParley } from "./helpers/process";
import { type ReceivedRequest, type Receiver, startReceiver } from "./helpers/receiver";
import { ADMIN_TOKEN, startServer } from "./helpers/server";
import { createWebhook, jsonBody, verifyRequest } from "./helpers/webhooks";

const HOST = 811;
const host = { id: HOST, host: true };

async function setup(overrides: ServerOverrides = {}) {
  const server = await startServer({ WEBHOOK_ALLOW_PRIVATE_TARGETS: "true" }, overrides);
  const api = apiClient(server);
  const account = await createAccount(api);
  const meetings = meetingsClient(api);
  const token = await userToken(api, account, HOST);
  const receiver = await startReceiver();
  const hook = await createWebhook(api, account, {
    url: `${receiver.url}/hook`,
    event_types: ["meeting.notify", "meeting.reminder"],
  });
  return { server, api, account, meetings, token, receiver, hook };
}

/** Native bodies of `type` about meeting `id`, in arrival order. */
function eventsFor(receiver: Receiver, type: string, id?: string): Json[] {
  return receiver.requests
    .map(jsonBody)
    .filter((b) => b.type === type && (id === undefined || b.data.meeting._id === id));
}

/** Waits for `count` notices about meeting `id`; returns their data. */
async function notices(receiver: Receiver, id: string, count: number): Promise<Json[]> {
  await receiver.waitFor(count, (r) => {
    const body = jsonBody(r);
    return body.type === "meeting.notify" && body.data.meeting._id === id;
  });
  return eventsFor(receiver, "meeting.notify", id).map((b) => b.data);
}

describe("meeting.notify", () => {
  it("notifies the attendees and the host when a meeting is created with notify: true", async () => {
    const { meetings, token, receiver, hook } = await setup();
    const attendees = [{ id: 245, email: "email1@domen.com" }, { id: 343 }, { email: "x@y.z" }];
    const meeting = await createMeeting(meetings, token, { attendees, notify: true });
    const [notice] = await notices(receiver, meeting._id, 1);
    expect(notice).toEqual({
      event: "meeting.notify",
      reason: "created",
      meeting,
      recipients: [...attendees, host],
    });
    const [request] = receiver.requests as [ReceivedRequest];
    expect(verifyRequest(request, hook.secret)).toEqual(JSON.parse(request.body));
    expect(jsonBody(request)).toEqual({
      type: "meeting.notify",
      timestamp: expect.any(String),
      data: notice,
    });
  });

  it("sends nothing on create without notify, and notifies everyone when notify turns true", async () => {
    const { meetings, token, receiver } = await setup();
    const attendees = [{ id: 245 }, { email: "guest@example.com" }];
    const meeting = await createMeeting(meetings, token, { attendees });
    const updated = await meetings.put(`/meetings/${meeting._id}`, token, { notify: true });
    expect(updated.status).toBe(200);
    // Deliveries of one meeting go out in order: the first notice is the notify_enabled one.
    const [first] = await notices(receiver, meeting._id, 1);
    expect(first).toEqual({
      event: "meeting.notify",
      reason: "notify_enabled",
      meeting: updated.body,
      recipients: [...attendees, host],
    });
  });

  it("notifies everyone when start_date changes while notify is true", async () => {
    const { meetings, token, receiver } = await setup();
    const attendees = [{ id: 245 }, { id: 343, email: "b@example.com" }];
    const meeting = await createMeeting(meetings, token, { attendees, notify: true });
    const moved = await meetings.put(`/meetings/${meeting._id}`, token, {
      start_date: meeting.start_date + 3600,
    });
    const [created, changed] = await notices(receiver, meeting._id, 2);
    expect(created?.reason).toBe("created");
    expect(changed).toEqual({
      event: "meeting.notify",
      reason: "start_date_changed",
      meeting: moved.body,
      recipients: [...attendees, host],
    });
  });

  it("notifies only the added attendees when attendees change while notify is true", async () => {
    const { meetings, token, receiver } = await setup();
    const meeting = await createMeeting(meetings, token, {
      attendees: [{ id: 245 }, { email: "kept@example.com" }, { id: 7 }],
      notify: true,
    });
    const next = [
      { id: 245 },
      { email: "kept@example.com" },
      { id: 500, email: "new@example.com" },
      { email: "added@example.com" },
    ];
    const updated = await meetings.put(`/meetings/${meeting._id}`, token, { attendees: next });
    const [, added] = await notices(receiver, meeting._id, 2);
    expect(added).toEqual({
      event: "meeting.notify",
      reason: "attendees_added",
      meeting: updated.body,
      recipients: [{ id: 500, email: "new@example.com" }, { email: "added@example.com" }],
    });
  });

  it("sends no notice for a removal, a rename, or while notify is false", async () => {
    const { meetings, token, receiver } = await setup();
    const meeting = await createMeeting(meetings, token, {
      attendees: [{ id: 1 }, { id: 2 }],
    });
    const path = `/meetings/${meeting._id}`;
    // notify is false: a new date and a new attendee go unannounced.
    await meetings.put(path, token, { start_date: meeting.start_date + 60 });
    await meetings.put(path, token, { attendees: [{ id: 1 }, { id: 2 }, { id: 3 }] });
    // notify true from here on.
    await meetings.put(path, token, { notify: true });
    await meetings.put(path, token, { attendees: [{ id: 1 }] });
    await meetings.put(path, token, { name: "Renamed", end_date: meeting.end_date + 60 });
    await meetings.put(path, token, { notify: true });
    // The marker: a notice that must come, after everything above.
    await meetings.put(path, token, { attendees: [{ id: 1 }, { id: 9 }] });
    const got = await notices(receiver, meeting._id, 2);
    expect(got.map((n) => [n.reason, n.recipients])).toEqual([
      ["notify_enabled", [{ id: 1 }, { id: 2 }, { id: 3 }, host]],
      ["attendees_added", [{ id: 9 }]],
    ]);
  });

  it("sends start_date_changed and attendees_added for one update that does both", async () => {
    const { meetings, token, receiver } = await setup();
    const meeting = await createMeeting(meetings, token, { attendees: [{ id: 1 }], notify: true });
    await meetings.put(`/meetings/${meeting._id}`, token, {
      start_date: meeting.start_date + 600,
      attendees: [{ id: 1 }, { id: 2 }],
    });
    const got = await notices(receiver, meeting._id, 3);
    expect(got.map((n) => [n.reason, n.recipients])).toEqual([
      ["created", [{ id: 1 }, host]],
      ["start_date_changed", [{ id: 1 }, { id: 2 }, host]],
      ["attendees_added", [{ id: 2 }]],
    ]);
  });

  it("stops notifying once notify is turned off", async () => {
    const { meetings, token, receiver } = await setup();
    const meeting = await createMeeting(meetings, token, { attendees: [{ id: 1 }], notify: true });
    const path = `/meetings/${meeting._id}`;
    await meetings.put(path, token, { notify: false });
    await meetings.put(path, token, {
      start_date: meeting.start_date + 60,
      attendees: [{ id: 2 }],
    });
    await meetings.put(path, token, { notify: true });
    const got = await notices(receiver, meeting._id, 2);
    expect(got.map((n) => n.reason)).toEqual(["created", "notify_enabled"]);
  });
});

describe("meeting.reminder", () => {
  it("reminds attendees and host at start_date − notify_before, once", async () => {
    const clock = testClock();
    const { meetings, token, receiver } = await setup({ now: clock.now });
    const start = Math.floor(clock.now() / 1000) + 3600;
    const attendees = [{ id: 245 }, { email: "guest@example.com" }];
    const meeting = await createMeeting(meetings, token, {
      attendees,
      start_date: start,
      end_date: start + 1800,
      notify: true,
      notify_before: { metric: "minutes", value: 10 },
    });
    await receiver.waitFor(1);
    // Due at start − 600 s: move the clock there.
    clock.advance((start - 600) * 1000 - clock.now());
    await receiver.waitFor(2, undefined, 10_000);
    const [reminder] = eventsFor(receiver, "meeting.reminder", meeting._id);
    expect(reminder).toEqual({
      type: "meeting.reminder",
      timestamp: expect.any(String),
      data: {
        event: "meeting.reminder",
        meeting,
        recipients: [...attendees, host],
        startsIn: expect.any(Number),
      },
    });
    expect(reminder.data.startsIn).toBeGreaterThan(590);
    expect(reminder.data.startsIn).toBeLessThanOrEqual(600);

    // Later ticks send it no more: a second meeting's reminder, due now, is the marker.
    clock.advance(300_000);
    const marker = await createMeeting(meetings, token, {
      start_date: start,
      end_date: start + 1800,
      notify: true,
      notify_before: { metric: "hours", value: 1 },
    });
    await vi.waitFor(
      () => expect(eventsFor(receiver, "meeting.reminder", marker._id)).toHaveLength(1),
      {
        timeout: 10_000,
        interval: 20,
      },
    );
    expect(eventsFor(receiver, "meeting.reminder", meeting._id)).toHaveLength(1);
  });

  it("sends no reminder without notify, without notify_before, or for a deleted meeting", async () => {
    const clock = testClock();
    const { meetings, token, receiver } = await setup({ now: clock.now });
    const start = Math.floor(clock.now() / 1000) + 7200;
    const dates = { start_date: start, end_date: start + 60 };
    const silent = await createMeeting(meetings, token, {
      ...dates,
      notify_before: { metric: "hours", value: 1 },
    });
    const noTiming = await createMeeting(meetings, token, { ...dates, notify: true });
    const deleted = await createMeeting(meetings, token, {
      ...dates,
      notify: true,
      notify_before: { metric: "hours", value: 1 },
    });
    expect((await meetings.delete(`/meetings/${deleted._id}`, token)).status).toBe(200);
    const marker = await createMeeting(meetings, token, {
      ...dates,
      notify: true,
      notify_before: { metric: "hours", value: 2 },
    });
    clock.advance(3_700_000);
    await vi.waitFor(
      () => expect(eventsFor(receiver, "meeting.reminder", marker._id)).toHaveLength(1),
      {
        timeout: 10_000,
        interval: 20,
      },
    );
    for (const m of [silent, noTiming, deleted]) {
      expect(eventsFor(receiver, "meeting.reminder", m._id)).toEqual([]);
    }
  });

  it("is not sent before it is due", async () => {
    const clock = testClock();
    const { meetings, token, receiver } = await setup({ now: clock.now });
    const start = Math.floor(clock.now() / 1000) + 2 * 86_400;
    const later = await createMeeting(meetings, token, {
      start_date: start,
      end_date: start + 60,
      notify: true,
      notify_before: { metric: "days", value: 1 },
    });
    const marker = await createMeeting(meetings, token, {
      start_date: start,
      end_date: start + 60,
      notify: true,
      notify_before: { metric: "days", value: 2 },
    });
    clock.advance(60_000);
    await vi.waitFor(
      () => expect(eventsFor(receiver, "meeting.reminder", marker._id)).toHaveLength(1),
      {
        timeout: 10_000,
        interval: 20,
      },
    );
    expect(eventsFor(receiver, "meeting.reminder", later._id)).toEqual([]);
    clock.advance(86_400_000);
    await vi.waitFor(
      () => expect(eventsFor(receiver, "meeting.reminder", later._id)).toHaveLength(1),
      {
        timeout: 10_000,
        interval: 20,
      },
    );
  });
});

describe("meeting.reminder across a restart (parley process on a file database)", () => {
  /** A restartable parley process on a file database, with a receiver outliving it. */
  async function processRig() {
    const dir = mkdtempSync(join(tmpdir(), "parley-reminders-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const receiver = await startReceiver();
    const env = {
      PARLEY_DB: join(dir, "parley.db"),
      PARLEY_ADMIN_TOKEN: ADMIN_TOKEN,
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    };
    const start = async () => {
      const parley = spawnParley(env);
      const url = await parley.ready();
      return { parley, api: apiClient({ url } as ParleyServer) };
    };
    return { receiver, start };
  }

  /** Reminder requests about meeting `id`, by distinct webhook-id (a retry repeats an id). */
  function reminderIds(receiver: Receiver, id: string): string[] {
    return [
      ...new Set(
        receiver.requests
          .filter((r) => {
            const body = jsonBody(r);
            return body.type === "meeting.reminder" && body.data.meeting._id === id;
          })
          .map((r) => r.headers["webhook-id"] ?? ""),
      ),
    ];
  }

  async function firstRun(api: ApiClient, receiver: Receiver) {
    const account = await createAccount(api);
    const token = await userToken(api, account, HOST);
    await createWebhook(api, account, {
      url: `${receiver.url}/hook`,
      event_types: ["meeting.reminder"],
    });
    return { account, token };
  }

  async function reminderDueIn(
    meetings: MeetingsClient,
    token: string,
    seconds: number,
  ): Promise<Json> {
    // notify_before 1 minute: due at start_date − 60 s.
    const start = Math.floor(Date.now() / 1000) + 60 + seconds;
    return createMeeting(meetings, token, {
      start_date: start,
      end_date: start + 600,
      notify: true,
      notify_before: { metric: "minutes", value: 1 },
    });
  }

  async function awaitReminder(receiver: Receiver, id: string): Promise<void> {
    await vi.waitFor(() => expect(reminderIds(receiver, id)).toHaveLength(1), {
      timeout: 15_000,
      interval: 50,
    });
  }

  it("does not send a reminder again after a restart", async () => {
    const { receiver, start } = await processRig();
    const first = await start();
    const { account, token } = await firstRun(first.api, receiver);
    const meeting = await reminderDueIn(meetingsClient(first.api), token, 0);
    await awaitReminder(receiver, meeting._id);

    first.parley.child.kill("SIGKILL");
    await first.parley.exited;
    const second = await start();
    // A reminder due at once in the restarted process: once it has come, the restarted
    // process has checked its due reminders at least once.
    const marker = await reminderDueIn(
      meetingsClient(second.api),
      await userToken(second.api, account, HOST),
      0,
    );
    await awaitReminder(receiver, marker._id);
    expect(reminderIds(receiver, meeting._id)).toHaveLength(1);
    const body = receiver.requests.map(jsonBody).find((b) => b.data.meeting._id === meeting._id);
    expect(body.data).toMatchObject({ event: "meeting.reminder", meeting: { _id: meeting._id } });
  });

  it("sends a reminder scheduled before a restart once, from the restarted process", async () => {
    const { receiver, start } = await processRig();
    const first = await start();
    const { account, token } = await firstRun(first.api, receiver);
    // Due in 3 s; parley is killed at once, before it is due.
    const meeting = await reminderDueIn(meetingsClient(first.api), token, 3);
    first.parley.child.kill("SIGKILL");
    await first.parley.exited;
    expect(reminderIds(receiver, meeting._id)).toEqual([]);

    const second = await start();
    await awaitReminder(receiver, meeting._id);
    // And only once, even over one more restart.
    second.parley.child.kill("SIGTERM");
    await second.parley.exited;
    const third = await start();
    const marker = await reminderDueIn(
      meetingsClient(third.api),
      await userToken(third.api, account, HOST),
      0,
    );
    await awaitReminder(receiver, marker._id);
    expect(reminderIds(receiver, meeting._id)).toHaveLength(1);
  });
});
