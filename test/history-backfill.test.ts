import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it, onTestFinished } from "vitest";
import { sessionIdOf } from "../server/domain/session-log";
import { apiClient, createAccount } from "./helpers/api";
import { startServer } from "./helpers/server";

describe("sessions recorded before the history existed", () => {
  it("get their id at the next start and are listed with what was recorded of them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-backfill-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const env = { PARLEY_DB: join(dir, "parley.db") };
    const first = await startServer(env);
    const api = apiClient(first);
    const account = await createAccount(api);
    await first.close();

    // A run as the session log wrote it before ids, counts and bounds existed.
    const startedAt = Date.parse("2026-11-01T10:00:00Z");
    const db = new Database(env.PARLEY_DB);
    db.prepare(
      `INSERT INTO conference_sessions (conference_id, started_at, account_id, instance_id, ended_at, end_reason)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run("old-conf", startedAt, account.id, "inst-1", startedAt + 90_000, "ALL_PARTICIPANTS_LEFT");
    db.close();

    const second = await startServer(env);
    const again = apiClient(second);
    const token = (await again.put("/v2/api_auth", { body: { data: { api_key: account.apiKey } } }))
      .body.auth_token as string;
    const list = await again.get(`/v2/accounts/${account.id}/conferences/old-conf/sessions`, {
      token,
    });
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([
      expect.objectContaining({
        id: sessionIdOf("old-conf", startedAt),
        instance_id: "inst-1",
        started_at: "2026-11-01T10:00:00.000Z",
        ended_at: "2026-11-01T10:01:30.000Z",
        end_reason: "last_member_left",
        live: false,
        duration: 90,
        first_seq: null,
      }),
    ]);
    const one = await again.get(`/v2/accounts/${account.id}/sessions/${list.body.data[0].id}`, {
      token,
    });
    expect(one.body.data.participants).toEqual([]);
  });
});
