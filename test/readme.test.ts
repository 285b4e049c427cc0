import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { Json } from "./helpers/api";
import { startServer } from "./helpers/server";

const run = promisify(execFile);

/** The README's walkthrough blocks, in order, as a newcomer would paste them. */
function walkthrough(): string {
  const readme = readFileSync(resolve(import.meta.dirname, "../README.md"), "utf8");
  const blocks = [...readme.matchAll(/<!-- walkthrough[^>]*-->\n```sh\n([\s\S]*?)```/g)].map(
    (m) => m[1],
  );
  if (blocks.length < 3) {
    throw new Error("README.md lacks its walkthrough blocks");
  }
  return blocks.join("\n");
}

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
