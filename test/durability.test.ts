import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import type { ParleyServer } from "../server/create-server";
import { apiClient, createAccount } from "./helpers/api";
import { spawnParley } from "./helpers/process";
import { ADMIN_TOKEN } from "./helpers/server";

/**
 * Runs parley under strace and counts the syncs of its write-ahead log: the system calls that make
 * a commit survive an OS crash or power loss, whatever the page cache held.
 */
async function walSyncsFor(sync: "full" | "normal" | undefined, writes: number) {
  const dir = mkdtempSync(join(tmpdir(), "parley-sync-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const trace = join(dir, "syncs.trace");
  const dbPath = join(dir, "parley.db");
  const parley = spawnParley(
    {
      PARLEY_DB: dbPath,
      PARLEY_ADMIN_TOKEN: ADMIN_TOKEN,
      ...(sync ? { PARLEY_DB_SYNC: sync } : {}),
    },
    // -y names each descriptor's file, so syncs of the WAL are told from the rest.
    { wrap: ["strace", "-f", "-qq", "-y", "-e", "trace=fsync,fdatasync", "-o", trace] },
  );
  const url = await parley.ready();
  const api = apiClient({ url } as ParleyServer);
  const account = await createAccount(api);
  const walSyncs = () =>
    readFileSync(trace, "utf8")
      .split("\n")
      .filter((line) => line.includes(`${dbPath}-wal>`)).length;
  const before = walSyncs();
  for (let i = 0; i < writes; i += 1) {
    // Each create is one committed transaction, answered only after its commit.
    const created = await api.put(`/v2/accounts/${account.id}/conferences`, {
      token: account.token,
      body: { data: { name: `durable ${i}` } },
    });
    expect(created.status).toBe(201);
  }
  const after = walSyncs();
  // Stop parley itself (strace's child): strace would only detach on a signal of its own.
  const [serverPid] = execFileSync("pgrep", ["-P", String(parley.child.pid)], { encoding: "utf8" })
    .split("\n")
    .map(Number);
  process.kill(serverPid ?? 0, "SIGTERM");
  expect((await parley.exited).code).toBe(0);
  return after - before;
}

describe("durability of acknowledged writes", () => {
  it("syncs the write-ahead log to disk before answering each write, by default", async () => {
    const writes = 40;
    expect(await walSyncsFor(undefined, writes)).toBeGreaterThanOrEqual(writes);
  }, 60_000);

  it("with PARLEY_DB_SYNC=normal leaves syncing to checkpoints instead of every commit", async () => {
    const writes = 40;
    // Only the background checkpoints (twice a second at most) sync the log.
    expect(await walSyncsFor("normal", writes)).toBeLessThan(writes / 2);
  }, 60_000);
});
