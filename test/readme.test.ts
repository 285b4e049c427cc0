import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { apiClient, createAccount, createConference, type Json } from "./helpers/api";
import { currentFeedEvent } from "./helpers/events";
import { ADMIN_TOKEN, startServer } from "./helpers/server";

const run = promisify(execFile);

/** The README's blocks marked `<!-- {marker}: … -->`, in order, as a newcomer would paste them. */
function readmeBlocks(marker: string, atLeast: number): string {
  const readme = readFileSync(resolve(import.meta.dirname, "../README.md"), "utf8");
  const pattern = new RegExp(`<!-- ${marker}[^>]*-->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\``, "g");
  const blocks = [...readme.matchAll(pattern)].map((m) => m[1]);
  if (blocks.length < atLeast) {
    throw new Error(`README.md lacks its ${marker} blocks`);
  }
  return blocks.join("\n");
}

const walkthrough = () => readmeBlocks("walkthrough", 3);

describe("README", () => {
  it("walkthrough runs as written: account, token, conference created and read back, actions", async () => {
    const server = await startServer({ PARLEY_ADMIN_TOKEN: "change-me-to-a-long-secret" });
    const script = walkthrough().replaceAll("http://127.0.0.1:8080", server.url);
    const { stdout } = await run("bash", ["-euo", "pipefail", "-c", script], { timeout: 30_000 });
    const responses = splitJson(stdout);
    expect(responses).toHaveLength(8);
    const [read, list, lock, bulk, participants, webhook, meeting, listed] = responses as Json[];
    expect(responses.slice(0, 6).every((r) => r.status === "success")).toBe(true);
    expect(read.data).toMatchObject({ name: "Sales Weekly", member: { numbers: ["1001"] } });
    expect(list.data).toEqual([expect.objectContaining({ name: "Sales Weekly", members: 0 })]);
    expect(lock.data).toBe("ok");
    expect(bulk.data.name).toBe("Sales Weekly");
    expect(participants.data).toEqual([]);
    expect(webhook.data).toMatchObject({ name: "crm", format: "native", enabled: true });
    expect(webhook.data.secret).toMatch(/^whsec_/);
    expect(meeting).toMatchObject({ name: "Friday weekly sync", host_id: 811, notify: true });
    expect(meeting.chat_dialog_id).toMatch(/^[0-9a-f]{24}$/);
    expect(listed._id).toBe(meeting._id);
  });

  it("history block runs as written: sessions, one session, its timeline, CSV", async () => {
    const server = await startServer();
    const api = apiClient(server);
    const account = await createAccount(api);
    const conferenceId = await createConference(api, account);
    const ids = { accountId: account.id, conferenceId, callId: "call-1" };
    for (const name of ["add-member", "start-talking", "stop-talking", "del-member"]) {
      const { routingKey, body } = currentFeedEvent(name, ids, { participantId: 1 });
      server.memoryBus?.publishEvent(routingKey, body);
    }
    const sessions = `/v2/accounts/${account.id}/sessions`;
    await expect
      .poll(async () => (await api.get(sessions, { token: account.token })).body.data[0]?.live)
      .toBe(false);
    const { stdout } = await run("bash", ["-euo", "pipefail", "-c", readmeBlocks("history", 1)], {
      timeout: 30_000,
      env: {
        ...process.env,
        PARLEY: server.url,
        TOKEN: account.token,
        ACCOUNT_ID: account.id,
        CONFERENCE_ID: conferenceId,
      },
    });
    const csvStart = stdout.indexOf("id,conference_id,");
    const [byConference, byAccount, session, timeline] = splitJson(stdout.slice(0, csvStart));
    expect(byConference.data).toEqual([expect.objectContaining({ conference_id: conferenceId })]);
    expect(byAccount.data).toEqual(byConference.data);
    expect(session.data.participants).toEqual([
      expect.objectContaining({ call_id: "call-1", talk_count: 1, left_reason: "hung_up" }),
    ]);
    expect(timeline.data.map((e: Json) => e.event)).toEqual([
      "add-member",
      "start-talking",
      "stop-talking",
      "del-member",
    ]);
    expect(timeline.resume_from).toBe(timeline.data[3].seq);
    const [sessionsCsv, participantsCsv] = stdout
      .slice(csvStart)
      .split(/(?=call_id,participant_id,)/);
    expect(sessionsCsv?.split("\r\n")[1]).toContain(`"${byConference.data[0].id}"`);
    expect(participantsCsv?.split("\r\n")[1]).toMatch(/^"call-1",/);
  });

  it("keys block runs as written: the old key is refused with why and the new key's token reads the account", async () => {
    const server = await startServer();
    const account = await createAccount(apiClient(server));
    const { stdout } = await run("bash", ["-euo", "pipefail", "-c", readmeBlocks("keys", 1)], {
      timeout: 30_000,
      env: {
        ...process.env,
        PARLEY: server.url,
        ADMIN: ADMIN_TOKEN,
        ACCOUNT_ID: account.id,
        API_KEY: account.apiKey,
      },
    });
    const [old, read] = splitJson(stdout) as Json[];
    expect(read).toMatchObject({ status: "success", data: { id: account.id } });
    expect(old).toMatchObject({
      error: "401",
      message: "invalid_credentials",
      reason: "unknown_api_key",
    });
  });
});

/** Splits back-to-back JSON objects (curl prints no newline after a body). */
function splitJson(text: string): Json[] {
  const out: Json[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") {
        i += 1;
      } else if (ch === '"') {
        inString = false;
      }
    } else if (ch === '"') {
      inString = true;
    } else if (ch === "{") {
      if (depth === 0) {
        start = i;
      }
      depth += 1;
    } else if (ch === "}") {
      depth -= 1;
      if (depth === 0) {
        out.push(JSON.parse(text.slice(start, i + 1)));
      }
    }
  }
  return out;
}
