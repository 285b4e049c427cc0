import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it, onTestFinished } from "vitest";
import { loadConfig } from "../server/config";
import { createServer } from "../server/create-server";
import { ADMIN_TOKEN } from "./helpers/server";

describe("a start that fails halfway", () => {
  it("stops what it had started when the port is in use: the database is closed and its checkpointer gone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-port-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const dbPath = join(dir, "parley.db");
    const taken = createTcpServer();
    await new Promise<void>((done) => taken.listen(0, "127.0.0.1", done));
    onTestFinished(() => new Promise<void>((done) => taken.close(() => done())));
    const { port } = taken.address() as { port: number };
    const before = process.getActiveResourcesInfo().sort();

    const config = loadConfig({
      PORT: String(port),
      HOST: "127.0.0.1",
      PARLEY_DB: dbPath,
      PARLEY_ADMIN_TOKEN: ADMIN_TOKEN,
      LOG_LEVEL: "silent",
    });
    await expect(createServer(config)).rejects.toMatchObject({ code: "EADDRINUSE" });

    // SQLite removes the write-ahead log only when the last connection closes: parley's own and
    // its checkpointer thread's are both gone.
    expect(existsSync(dbPath)).toBe(true);
    expect(existsSync(`${dbPath}-wal`)).toBe(false);
    // The database was opened and migrated before listening failed.
    const check = new Database(dbPath, { readonly: true });
    expect(check.prepare("SELECT count(*) AS n FROM accounts").get()).toEqual({ n: 0 });
    check.close();
    // Nothing parley started keeps the process alive: no timer, socket or server more than before.
    const count = (list: string[]) =>
      list.reduce(
        (acc, kind) => acc.set(kind, (acc.get(kind) ?? 0) + 1),
        new Map<string, number>(),
      );
    const was = count(before);
    const added = [...count(process.getActiveResourcesInfo())].filter(
      ([kind, n]) => n > (was.get(kind) ?? 0),
    );
    expect(added).toEqual([]);
  });
});
