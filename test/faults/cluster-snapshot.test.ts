import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import type { ParleyServer } from "../../server/create-server";
import { apiClient, createAccount } from "../helpers/api";
import { newCluster, timeless } from "../helpers/cluster";
import { currentFeedEvent, hexId } from "../helpers/events";
import { openEventLog, publishConfirmed } from "../helpers/stream";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");

/** A cluster whose log stream keeps only its last ~200 kB (a policy: parley's own arguments stay). */
async function trimmedCluster() {
  const cluster = newCluster();
  const policy = `parley-test-trim-${hexId(4)}`;
  const pattern = `^${cluster.topology.queue.replaceAll(".", "\\.")}\\.log$`;
  await run("rabbitmqctl", [
    "set_policy",
    policy,
    pattern,
    JSON.stringify({ "max-length-bytes": 200_000, "stream-max-segment-size-bytes": 20_000 }),
    "--apply-to",
    "queues",
  ]);
  onTestFinished(async () => {
    await run("rabbitmqctl", ["clear_policy", policy]).catch(() => {});
  });
  return cluster;
}

const readiness = async (url: string) => {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

function events(accountId: string, count: number, from: number) {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const conferenceId = `${(n % 20).toString(16).padStart(8, "0")}0000000000000000000000aa`;
    const callId = `call-${n}`;
    return currentFeedEvent(
      "add-member",
      { accountId, conferenceId, callId, msgId: `snap-${n}` },
      { participantId: n + 1, isModerator: false, speak: true, hear: true, talking: false },
    );
  });
}

describe("a node joining after the log's start was trimmed", () => {
  it("refuses to build its state from half the log, and catches up from a snapshot of a running node", async () => {
    const cluster = await trimmedCluster();
    const n1 = await cluster.start("n1");
    const account = await createAccount(n1.api);
    // In steps n1 keeps up with (a node further behind than the retention would lose entries too).
    const n1Log = openEventLog(n1.db);
    for (let from = 0; from < 1500; from += 50) {
      await (await publishConfirmed(cluster.topology.exchange, events(account.id, 50, from))).done;
      await vi.waitFor(() => expect(n1Log.logged()).toBe(from + 50), { timeout: 10_000 });
    }

    // An empty database cannot start from a log whose first entries are gone.
    const n2 = await cluster.start("n2", { ready: false });
    await vi.waitFor(
      async () => {
        const { status, body } = await readiness(n2.url);
        expect(status).toBe(503);
        expect(body).toMatchObject({ node: "n2", log: "broken" });
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(n2.parley.stdout()).toContain("PARLEY_SNAPSHOT");
    const n2Log = openEventLog(n2.db);
    expect(n2Log.logged()).toBe(0);

    // A snapshot of the running n1, then more events (fewer than the log keeps), then a node
    // seeded from the snapshot.
    const snapshot = join(cluster.dir, "n1.snapshot");
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "server/cli.ts", "snapshot", snapshot],
      { cwd: root, env: { ...process.env, PARLEY_DB: n1.db } },
    );
    expect(stdout).toMatch(new RegExp(`${cluster.topology.queue}\\.log at position \\d+`));
    for (let from = 1500; from < 1550; from += 50) {
      await (await publishConfirmed(cluster.topology.exchange, events(account.id, 50, from))).done;
      await vi.waitFor(() => expect(n1Log.logged()).toBe(from + 50), { timeout: 10_000 });
    }
    const n3 = await cluster.start("n3", { env: { PARLEY_SNAPSHOT: snapshot } });
    const n3Log = openEventLog(n3.db);
    await vi.waitFor(() => expect(n1Log.logged()).toBe(1550), { timeout: 60_000, interval: 100 });
    await vi.waitFor(() => expect(n3Log.logged()).toBe(1550), { timeout: 60_000, interval: 100 });
    const rows = (log: typeof n1Log) =>
      log.reader.prepare("SELECT seq, msg_id FROM events ORDER BY seq").all();
    expect(rows(n3Log)).toEqual(rows(n1Log));

    // Same state, same answers; a token issued by n1 works on n3 (the secrets came with the log).
    const list = async (url: string) =>
      (await apiClient({ url } as ParleyServer).get(`/v2/accounts/${account.id}/conferences`, {
        token: account.token,
      })) as { status: number; body: { data: unknown } };
    const [fromN1, fromN3] = [await list(n1.url), await list(n3.url)];
    expect(fromN3.status).toBe(200);
    // Read one after the other, the two may straddle a second: durations are left out.
    expect(timeless(fromN3.body.data)).toEqual(timeless(fromN1.body.data));
  });
});
