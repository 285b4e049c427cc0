import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { WebSocket } from "ws";
import { createAccount } from "./helpers/api";
import { AMQP_URL, brokerProbe, newTopology } from "./helpers/broker";
import { currentFeedEvent } from "./helpers/events";
import { startParleyProcess } from "./helpers/process";
import { ADMIN_TOKEN } from "./helpers/server";
import { expectDrainedOnce, openEventLog, publishConfirmed } from "./helpers/stream";

const TOTAL = 20_000;

describe("graceful shutdown", () => {
  it("on SIGTERM under load exits 0, closes WebSockets with 1001, and loses no event: after a restart each published event is logged exactly once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-sigterm-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const dbPath = join(dir, "parley.db");
    const topology = newTopology();
    const probe = await brokerProbe(topology);
    const env = {
      PARLEY_DB: dbPath,
      PARLEY_ADMIN_TOKEN: ADMIN_TOKEN,
      AMQP_URL,
      AMQP_EXCHANGE: topology.exchange,
      AMQP_QUEUE: topology.queue,
    };
    const start = () => startParleyProcess(env);

    const first = await start();
    const account = await createAccount(first.api);
    const ws = new WebSocket(`${first.url.replace("http", "ws")}/ws`);
    onTestFinished(() => ws.terminate());
    const frames: Array<{ action: string }> = [];
    ws.on("message", (data) => frames.push(JSON.parse(data.toString())));
    const closed = new Promise<number>((done) => ws.once("close", (code) => done(code)));
    await new Promise((done) => ws.once("open", done));
    ws.send(
      JSON.stringify({
        action: "subscribe",
        auth_token: account.token,
        request_id: "r1",
        data: { account_id: account.id, binding: "conference.event.*.*" },
      }),
    );
    await expect.poll(() => frames.some((f) => f.action === "reply")).toBe(true);

    const conferences = Array.from(
      { length: 20 },
      (_, i) => `${i.toString(16).padStart(8, "0")}5e5e5e5e5e5e5e5e5e5e5e5e`,
    );
    const events = Array.from({ length: TOTAL }, (_, i) => {
      const conferenceId = conferences[i % conferences.length] as string;
      const n = Math.floor(i / conferences.length) % 10;
      const round = Math.floor(i / (conferences.length * 10));
      const event = round === 0 ? "add-member" : round % 2 === 1 ? "start-talking" : "stop-talking";
      return currentFeedEvent(
        event,
        { accountId: account.id, conferenceId, callId: `call-${n}`, msgId: `sigterm-${i}` },
        { participantId: n, talking: event === "start-talking" },
      );
    });

    const log = openEventLog(dbPath);
    const { logged } = log;
    const stream = await publishConfirmed(topology.exchange, events);

    // Terminate while events flow: some are logged and pushed, many are still to come.
    await expect.poll(logged, { timeout: 30_000, interval: 10 }).toBeGreaterThan(2000);
    await expect.poll(() => frames.filter((f) => f.action === "event").length).toBeGreaterThan(0);
    first.parley.child.kill("SIGTERM");
    const exit = await first.parley.exited;
    const atExit = logged();
    // Soft: a wrong exit status or close code must not hide whether events were lost.
    expect.soft(exit, `exit; stdout tail: ${first.parley.stdout().slice(-500)}`).toEqual({
      code: 0,
      signal: null,
    });
    expect.soft(await closed, "WebSocket close code").toBe(1001);
    expect(atExit).toBeLessThan(TOTAL);
    await stream.done;

    await start();
    await expectDrainedOnce({
      log,
      channel: stream.channel,
      queue: topology.queue,
      probe,
      total: TOTAL,
      timeout: 60_000,
    });
    console.info(
      `graceful shutdown: ${TOTAL} events published, ${atExit} logged at exit (code ${exit.code}), ${logged()} logged after restart, ${frames.filter((f) => f.action === "event").length} pushed over WebSocket before close`,
    );
  }, 120_000);
});
