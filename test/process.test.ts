import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { Json } from "./helpers/api";
import { spawnParley } from "./helpers/process";

describe("the parley process", () => {
  it("starts on the embedded defaults, prints a generated admin token once, and answers health checks", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-"));
    const db = join(dir, "nested", "parley.db");
    const first = spawnParley({ PARLEY_DB: db });
    const url = await first.ready();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ database: "ok", bus: "embedded" });
    expect(first.stdout()).toMatch(/embedded in-process bus/);
    const token = first.stderr().match(/admin token[^\n]*\n\n\s+(\S+)/)?.[1];
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    const accounts = await fetch(`${url}/v2/accounts`, {
      headers: { "X-Auth-Token": token ?? "" },
    });
    expect(accounts.status).toBe(200);

    first.child.kill("SIGTERM");
    expect((await first.exited).code).toBe(0);

    // The token is stored (hashed): a restart on the same database keeps it and prints nothing.
    const second = spawnParley({ PARLEY_DB: db });
    const again = await second.ready();
    expect(second.stderr()).not.toMatch(/admin token/);
    const still = await fetch(`${again}/v2/accounts`, { headers: { "X-Auth-Token": token ?? "" } });
    expect(still.status).toBe(200);
  });

  it("shows a newcomer live simulated conferences over HTTP and WebSocket within seconds", async () => {
    const parley = spawnParley({ PARLEY_DB: ":memory:", PARLEY_SIMULATE: "1" });
    const url = await parley.ready();
    const printedKey = /API key \(shown once\):\n\n\s+([0-9a-f]{64})/;
    await expect.poll(() => parley.stderr()).toMatch(printedKey);
    const apiKey = parley.stderr().match(printedKey)?.[1] ?? "";
    const auth = await fetch(`${url}/v2/api_auth`, {
      method: "PUT",
      body: JSON.stringify({ data: { api_key: apiKey } }),
    }).then((r) => r.json() as Promise<Json>);
    const headers = { "X-Auth-Token": auth.auth_token };
    const accountId = auth.data.account_id;

    await expect
      .poll(
        async () => {
          const res = await fetch(`${url}/v2/accounts/${accountId}/conferences`, { headers });
          const list = (await res.json()) as Json;
          return list.data.filter((c: { members: number }) => c.members > 0).length;
        },
        { timeout: 10_000 },
      )
      .toBe(3);

    const ws = new WebSocket(`${url.replace("http", "ws")}/ws`);
    const frames: Array<{ action: string; data: { event?: string } }> = [];
    ws.on("message", (data) => frames.push(JSON.parse(data.toString())));
    await new Promise((done) => ws.once("open", done));
    ws.send(
      JSON.stringify({
        action: "subscribe",
        auth_token: auth.auth_token,
        request_id: "r1",
        data: { account_id: accountId, binding: "conference.event.*.*" },
      }),
    );
    await expect
      .poll(() => frames.some((f) => f.action === "event" && /talking/.test(f.data.event ?? "")), {
        timeout: 15_000,
      })
      .toBe(true);
    ws.close();
  });

  it("stops cleanly when a supervisor sends SIGTERM to npm start: the server drains, exits and frees its port", async () => {
    const parley = spawnParley({ PARLEY_DB: ":memory:" }, { npmStart: true });
    const url = await parley.ready();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    // Docker and systemd signal the process they started: npm, not node.
    parley.child.kill("SIGTERM");
    expect((await parley.exited).code).toBe(0);
    expect(parley.stdout()).toMatch(/"msg":"shutting down"/);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it("exits with a readable message and status 78 on invalid configuration", async () => {
    const parley = spawnParley({ PORT: "not-a-port" });
    expect((await parley.exited).code).toBe(78);
    expect(parley.stderr()).toMatch(/parley: invalid configuration:\n\s+PORT:/);
    expect(parley.stderr()).not.toMatch(/\n\s+at /);
  });

  it("exits with a readable message when the database directory cannot be created", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-"));
    const file = join(dir, "not-a-directory");
    writeFileSync(file, "");
    const parley = spawnParley({ PARLEY_DB: join(file, "parley.db") });
    expect((await parley.exited).code).toBe(78);
    expect(parley.stderr()).toMatch(/parley: cannot open database .*PARLEY_DB/);
    expect(parley.stderr()).not.toMatch(/\n\s+at /);
  });
});
