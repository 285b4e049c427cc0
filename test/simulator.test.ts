import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { apiClient, createAccount, type Json } from "./helpers/api";
import { AMQP_URL, startBrokerServer } from "./helpers/broker";
import { startServer } from "./helpers/server";

describe("switch simulator", () => {
  it("runs live conferences under a demo account and obeys mute, kick and lock", async () => {
    const server = await startServer({ PARLEY_SIMULATE: "1" });
    const api = apiClient(server);
    const apiKey = server.simulation?.createdApiKey ?? "";
    expect(apiKey).toMatch(/^[0-9a-f]{64}$/);
    const auth = await api.put("/v2/api_auth", { body: { data: { api_key: apiKey } } });
    const token = auth.body.auth_token;
    const accountId = auth.body.data.account_id;
    const conferences = await api.get(`/v2/accounts/${accountId}/conferences`, { token });
    expect(conferences.body.data.map((c: Json) => c.name)).toEqual([
      "Daily standup",
      "Sales weekly",
      "Board room",
    ]);
    const conferenceId = conferences.body.data[0].id;
    const base = `/v2/accounts/${accountId}/conferences/${conferenceId}`;
    const participants = async (): Promise<Json[]> =>
      (await api.get(`${base}/participants`, { token })).body.data;

    await expect
      .poll(async () => (await participants()).length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(3);
    // Callers of one room have distinct names (the host's marked "(host)" besides), so an
    // operator can tell them apart; checked in every room.
    for (const conference of conferences.body.data as Json[]) {
      const path = `/v2/accounts/${accountId}/conferences/${conference.id}/participants`;
      const names = async (): Promise<string[]> =>
        ((await api.get(path, { token })).body.data as Json[]).map((p) =>
          String(p.caller_id_name).replace(/ \(host\)$/, ""),
        );
      await expect
        .poll(async () => (await names()).length, { timeout: 10_000 })
        .toBeGreaterThanOrEqual(3);
      const seen = await names();
      expect(new Set(seen).size).toBe(seen.length);
    }
    // The host (the moderator) never leaves on its own, so the test can act on it safely.
    const victim = (await participants()).find((p) => p.is_moderator);
    expect(victim).toBeDefined();

    const mute = await api.put(`${base}/participants/${victim.participant_id}`, {
      token,
      body: { data: { action: "mute" } },
    });
    expect(mute.status).toBe(201);
    await expect
      .poll(async () => (await participants()).find((p) => p.call_id === victim.call_id)?.speak)
      .toBe(false);

    const kick = await api.put(`${base}/participants/${victim.participant_id}`, {
      token,
      body: { data: { action: "kick" } },
    });
    expect(kick.status).toBe(201);
    await expect
      .poll(async () => (await participants()).some((p) => p.call_id === victim.call_id))
      .toBe(false);

    const lock = await api.put(base, { token, body: { data: { action: "lock" } } });
    expect(lock.status).toBe(201);
    await expect
      .poll(async () => (await api.get(base, { token })).body.data._read_only.is_locked)
      .toBe(true);
  });

  it("plays the media server from its own process over RabbitMQ (npm run simulate)", async () => {
    const { server, topology } = await startBrokerServer();
    const api = apiClient(server);
    const account = await createAccount(api);
    const root = resolve(import.meta.dirname, "..");
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "server/simulator/cli.ts",
        "--amqp",
        AMQP_URL,
        "--account",
        account.id,
        "--exchange",
        topology.exchange,
        "--speed",
        "0.2",
      ],
      { cwd: root, stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    onTestFinished(() => {
      child.kill("SIGTERM");
    });
    await expect
      .poll(
        async () => {
          const list = await api.get(`/v2/accounts/${account.id}/conferences`, {
            token: account.token,
          });
          return list.body.data.filter((c: Json) => c.members + c.admins >= 3).length;
        },
        { timeout: 15_000 },
      )
      .toBe(3);
    await expect.poll(() => stderr, { timeout: 5_000 }).toMatch(/events published/);
  });
});
