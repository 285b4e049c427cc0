import { describe, expect, it, vi } from "vitest";
import type { ConferenceCommand } from "../protocol/commands";
import { createMemoryBus } from "../server/amqp/memory-bus";
import { createConferenceService } from "../server/domain/conferences";
import { osEntropy } from "../server/domain/ids";
import { createMeetingService } from "../server/domain/meetings";
import { apiClient, createAccount } from "./helpers/api";
import { createMeeting, meetingsClient, OBJECT_ID, userToken } from "./helpers/meetings";
import { startServer } from "./helpers/server";

/**
 * `PUT /meetings/{id}` under concurrency: partial updates of different fields, sent at the same
 * time, all survive, even while one of them waits for the media server to accept a `record`
 * change; and changes of the record flag reach the media server once each, in commit order.
 */

const HOST = 811;

/**
 * The embedded bus, except that `record` commands wait until the test lets them through: a media
 * server that takes its time, so other updates run while one is waiting.
 */
function slowRecordingBus() {
  const bus = createMemoryBus();
  const waiting: Array<() => void> = [];
  const sent: ConferenceCommand[] = [];
  return {
    bus: {
      ...bus,
      async publish(commands: ConferenceCommand[]) {
        if (commands.some((command) => command["Application-Name"] === "record")) {
          await new Promise<void>((resolve) => waiting.push(resolve));
        }
        sent.push(...commands);
        return bus.publish(commands);
      },
    },
    /** Record commands waiting for the media server. */
    waiting: () => waiting.length,
    letThrough: () => {
      for (const resolve of waiting.splice(0)) {
        resolve();
      }
    },
    sent,
  };
}

/** One round's partial bodies, one field (or pair) each; every value differs from last round's. */
function changesFor(round: number): Array<Record<string, unknown>> {
  const odd = round % 2 === 1;
  return [
    { name: `Round ${round}` },
    { public: odd },
    { scheduled: odd },
    { notify: odd },
    { notify_before: { metric: "minutes", value: round } },
    { timezone: { offset: round * 15, name: `Zone/${round}` } },
    { start_date: 1_900_000_000 + round },
    { end_date: 1_900_003_600 + round },
    { attendees: [{ id: 1000 + round }, { email: `round${round}@example.com` }] },
    { chat: true },
  ];
}

describe("concurrent PUT /meetings/{id}", () => {
  it("keeps every field of concurrent partial updates, round after round, while a record change waits for the media server", async () => {
    const media = slowRecordingBus();
    const server = await startServer({}, { bus: media.bus });
    const api = apiClient(server);
    const account = await createAccount(api);
    const meetings = meetingsClient(api);
    const host = await userToken(api, account, HOST);
    const meeting = await createMeeting(meetings, host);
    const path = `/meetings/${meeting._id}`;

    for (let round = 1; round <= 20; round++) {
      const record = round % 2 === 1;
      // The record change reads the meeting, then waits for the media server...
      const recording = meetings.put(path, host, { record });
      await expect.poll(media.waiting).toBe(1);
      // ...while every other field is changed at once.
      const changes = changesFor(round);
      const answers = await Promise.all(changes.map((body) => meetings.put(path, host, body)));
      expect(answers.map((res) => res.status)).toEqual(changes.map(() => 200));
      media.letThrough();
      expect((await recording).status).toBe(200);

      const stored = (await meetings.get(path, host)).body;
      // `chat: true` shows as a chat dialog id.
      const { chat: _chat, ...fields } = Object.assign({}, ...changes);
      expect(stored).toMatchObject({ record, ...fields });
      expect(stored.chat_dialog_id).toMatch(OBJECT_ID);
    }
    expect(media.sent.map((command) => command.Action)).toEqual(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? "start" : "stop")),
    );
  });

  it("tells the media server about each record change once when record updates race", async () => {
    const server = await startServer();
    const api = apiClient(server);
    const account = await createAccount(api);
    const meeting = await createMeeting(meetingsClient(api), await userToken(api, account, HOST));
    const { db, sqlite } = server.store;
    let open = false;
    const waiting: Array<() => void> = [];
    const told: string[] = [];
    // A second service over the same store, whose media server answers when the test says so.
    const service = createMeetingService({
      db,
      now: Date.now,
      entropy: osEntropy,
      conferences: createConferenceService({ db, now: Date.now, entropy: osEntropy }),
      async record(_accountId, _conferenceId, action) {
        told.push(action);
        if (!open) {
          await new Promise<void>((resolve) => waiting.push(resolve));
        }
      },
      publish: () => undefined,
      transaction: (fn) => sqlite.transaction(fn)(),
    });
    // The change is committed by the service itself here (the server writes it through its log).
    const update = (record: boolean) =>
      service.update(account.id, String(HOST), meeting._id, { record }, async (body) =>
        service.applyUpdate(account.id, String(HOST), meeting._id, body),
      );

    const updates = [update(true), update(true), update(false)];
    await vi.waitFor(() => expect(waiting).toHaveLength(1));
    open = true;
    for (const resolve of waiting.splice(0)) {
      resolve();
    }
    const results = await Promise.all(updates);

    expect(results.map((row) => row.record)).toEqual([true, true, false]);
    expect(told).toEqual(["start", "stop"]);
    expect(service.visible(account.id, String(HOST), meeting._id).record).toBe(false);
  });
});
