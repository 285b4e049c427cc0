import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { apiClient, createAccount, createConference } from "./helpers/api";
import { currentFeedEvent } from "./helpers/events";
import { startReceiver } from "./helpers/receiver";
import { startServer } from "./helpers/server";
import { createWebhook, jsonBody } from "./helpers/webhooks";

describe("state that outlives a restart", () => {
  it("names the run that just ended in events after the end, whether or not parley restarted in between", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-restart-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const env = { PARLEY_DB: join(dir, "parley.db"), WEBHOOK_ALLOW_PRIVATE_TARGETS: "true" };
    const receiver = await startReceiver();

    const first = await startServer(env);
    const api = apiClient(first);
    const account = await createAccount(api);
    await createWebhook(api, account, {
      url: `${receiver.url}/native`,
      event_types: ["meeting.ended", "meeting.transcript"],
    });
    // A stored conference: events without an account (transcripts) are matched to its owner.
    const conferenceId = await createConference(api, account);
    const ids = { accountId: account.id, conferenceId, callId: "call-1" };
    for (const name of ["add-member", "del-member"]) {
      const { routingKey, body } = currentFeedEvent(name, ids, { participantId: 1 });
      first.memoryBus?.publishEvent(routingKey, body);
    }
    const [ended] = (await receiver.waitFor(1, (r) => jsonBody(r).type === "meeting.ended")).map(
      jsonBody,
    );
    // Before a restart: a transcript after the end names the run that ended.
    first.memoryBus?.publishEvent(`transcript.event.${conferenceId}`, {
      url: "https://files.example.com/before.csv",
    });
    const [before] = (
      await receiver.waitFor(1, (r) => jsonBody(r).type === "meeting.transcript")
    ).map(jsonBody);
    expect(before.data.meeting).toEqual(ended.data.meeting);
    await first.close();

    // After a restart on the same database: the same answer.
    const second = await startServer(env);
    second.memoryBus?.publishEvent(`transcript.event.${conferenceId}`, {
      url: "https://files.example.com/after.csv",
    });
    const transcripts = (
      await receiver.waitFor(2, (r) => jsonBody(r).type === "meeting.transcript")
    ).map(jsonBody);
    expect(transcripts[1].data.transcriptDownloadUrl).toBe("https://files.example.com/after.csv");
    expect(transcripts[1].data.meeting).toEqual(ended.data.meeting);
    expect(ended.data.meeting.endedAt).toEqual(expect.any(String));
  });
});
