import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import type { ParleyServer } from "../server/create-server";
import { apiClient, createAccount, type Json } from "./helpers/api";
import { AMQP_URL, brokerProbe, newTopology } from "./helpers/broker";
import { currentFeedEvent, hexId } from "./helpers/events";
import { spawnParley } from "./helpers/process";
import { ADMIN_TOKEN } from "./helpers/server";

describe("disk trouble", () => {
  it("retries events while another writer holds the database lock and applies each once the lock is released, dead-lettering none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-locked-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const dbPath = join(dir, "parley.db");
    const topology = newTopology();
    const probe = await brokerProbe(topology);
    const parley = spawnParley({
      PARLEY_DB: dbPath,
      PARLEY_ADMIN_TOKEN: ADMIN_TOKEN,
      AMQP_URL,
      AMQP_EXCHANGE: topology.exchange,
      AMQP_QUEUE: topology.queue,
    });
    const url = await parley.ready();
    await vi.waitFor(
      async () => {
        const res = await fetch(`${url}/readyz`);
        if (res.status !== 200) {
          throw new Error(`parley not ready: ${await res.text()}`);
        }
      },
      { timeout: 10_000, interval: 50 },
    );
    const api = apiClient({ url } as ParleyServer);
    const account = await createAccount(api);

    // A second writer takes the write lock and keeps it.
    const writer = new Database(dbPath, { fileMustExist: true });
    onTestFinished(() => {
      if (writer.inTransaction) {
        writer.exec("ROLLBACK");
      }
      writer.close();
    });
    writer.exec("BEGIN IMMEDIATE");
    const logged = () =>
      (writer.prepare("SELECT count(*) AS n FROM events").get() as { n: number }).n;
    const before = logged();

    const conferenceId = hexId();
    const callIds = Array.from({ length: 10 }, (_, i) => `locked-${i}`);
    callIds.forEach((callId, i) => {
      const { routingKey, body } = currentFeedEvent(
        "add-member",
        { accountId: account.id, conferenceId, callId },
        { participantId: i + 1 },
      );
      probe.publish(routingKey, body, { persistent: true });
    });

    // Release once parley reports the batch it could not commit (it waited on the lock).
    await expect
      .poll(() => parley.stdout(), { timeout: 30_000, interval: 50 })
      .toMatch(/batch not committed/);
    expect(logged()).toBe(before);
    writer.exec("COMMIT");

    await expect.poll(logged, { timeout: 30_000, interval: 50 }).toBe(before + callIds.length);
    const distinct = writer
      .prepare("SELECT count(DISTINCT msg_id) AS n FROM events WHERE conference_id = ?")
      .get(conferenceId) as { n: number };
    expect(distinct.n).toBe(callIds.length);
    const participants = await api.get(
      `/v2/accounts/${account.id}/conferences/${conferenceId}/participants`,
      { token: account.token },
    );
    expect(participants.status).toBe(200);
    expect((participants.body.data as Json[]).map((p) => p.call_id).sort()).toEqual(
      [...callIds].sort(),
    );
    expect(await probe.drainDeadLetters()).toHaveLength(0);
    expect(parley.stdout()).not.toMatch(/event dead-lettered/);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    console.info(
      `disk trouble: ${callIds.length} events held back by another writer's lock, all applied once after it was released, none dead-lettered`,
    );
  }, 90_000);

  it("exits with status 78 and a readable message when the database location is not writable", async () => {
    // As root, file modes do not stop writes; /proc refuses to create files for anyone.
    const parley = spawnParley({ PARLEY_DB: "/proc/parley.db" });
    expect((await parley.exited).code).toBe(78);
    expect(parley.stderr()).toMatch(/parley: cannot open database \/proc\/parley\.db/);
    expect(parley.stderr()).toMatch(/PARLEY_DB/);
    expect(parley.stderr()).not.toMatch(/\n\s+at /);
  });

  it("exits with status 78 and a readable message when the database file is not a database", async () => {
    // /proc/version is a read-only file with text in it: parley can neither use nor replace it.
    const parley = spawnParley({ PARLEY_DB: "/proc/version" });
    expect((await parley.exited).code).toBe(78);
    expect(parley.stderr()).toMatch(/parley: cannot (open|migrate) database \/proc\/version/);
    expect(parley.stderr()).not.toMatch(/\n\s+at /);
  });

  it("answers /readyz 503 while the database takes no writes, and 200 again once it does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-unwritable-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const dbPath = join(dir, "parley.db");
    const parley = spawnParley({ PARLEY_DB: dbPath, PARLEY_ADMIN_TOKEN: ADMIN_TOKEN });
    const url = await parley.ready();
    const readiness = async () => {
      const res = await fetch(`${url}/readyz`);
      return { status: res.status, body: (await res.json()) as Json };
    };
    expect(await readiness()).toMatchObject({ status: 200, body: { database: "ok" } });

    // Another process takes the write lock and keeps it: reads still work, writes cannot commit.
    const writer = new Database(dbPath, { fileMustExist: true });
    onTestFinished(() => {
      if (writer.inTransaction) {
        writer.exec("ROLLBACK");
      }
      writer.close();
    });
    writer.exec("BEGIN IMMEDIATE");
    await expect.poll(readiness, { timeout: 10_000, interval: 100 }).toMatchObject({
      status: 503,
      body: {
        status: "unavailable",
        database: "not_writable",
        database_error: "database is locked",
      },
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    writer.exec("ROLLBACK");
    await expect
      .poll(readiness, { timeout: 10_000, interval: 100 })
      .toMatchObject({ status: 200, body: { database: "ok" } });
  });
});
