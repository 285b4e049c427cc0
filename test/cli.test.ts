import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it, onTestFinished } from "vitest";
import { apiClient, createAccount } from "./helpers/api";
import { spawnParley } from "./helpers/process";
import { startServer } from "./helpers/server";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "..");
const bin = resolve(root, "server/bin.mjs");

function parley(args: string[], env: Record<string, string>) {
  return run("node", [bin, ...args], { cwd: root, env: { PATH: process.env.PATH ?? "", ...env } });
}

describe("the parley command", () => {
  it("explains itself and each command with --help, and refuses unknown commands", async () => {
    const { stdout } = await parley(["--help"], {});
    for (const command of [
      "serve",
      "simulate",
      "accounts create",
      "accounts list",
      "accounts rotate-key",
      "token",
      "migrate",
      "events tail",
    ]) {
      expect(stdout).toContain(command);
    }
    for (const command of ["accounts", "token", "migrate", "events", "serve"]) {
      expect((await parley([command, "--help"], {})).stdout).toMatch(/^usage: parley/);
    }
    expect((await parley(["simulate", "--help"], {})).stdout).toMatch(/--amqp/);
    await expect(parley(["dance"], {})).rejects.toMatchObject({ code: 64 });
  });

  it("prints its version", async () => {
    const { version } = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8"));
    for (const flag of ["--version", "-v", "version"]) {
      expect((await parley([flag], {})).stdout).toBe(`parley ${version}\n`);
    }
  });

  it("lists accounts and rotates a lost API key: the old key stops working, the new one signs in", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-cli-"));
    const env = { PARLEY_DB: join(dir, "parley.db") };
    expect((await parley(["accounts", "list"], env)).stderr).toMatch(/no accounts yet/);
    const acme = "0123456789abcdef0123456789abcdef";
    const created = await parley(["accounts", "create", "Acme", "--id", acme], env);
    const oldKey = created.stdout.match(/api key ([0-9a-f]{64})/)?.[1] ?? "";
    await parley(["accounts", "create", "Globex"], env);

    const listed = (await parley(["accounts", "list"], env)).stdout.trim().split("\n");
    expect(listed).toHaveLength(2);
    expect(listed[0]).toMatch(new RegExp(`^${acme}  \\d{4}-\\d\\d-\\d\\dT\\S+  Acme$`));
    expect(listed[1]).toMatch(/^[0-9a-f]{32} {2}\S+ {2}Globex$/);

    const rotated = await parley(["accounts", "rotate-key", acme], env);
    const newKey = rotated.stdout.match(/api key ([0-9a-f]{64})/)?.[1] ?? "";
    expect(rotated.stdout).toContain(`account ${acme} (Acme)`);
    expect(newKey).toMatch(/^[0-9a-f]{64}$/);
    expect(newKey).not.toBe(oldKey);
    await expect(parley(["token", oldKey], env)).rejects.toMatchObject({ code: 1 });
    expect((await parley(["token", newKey], env)).stdout).toMatch(/^ey/);

    await expect(
      parley(["accounts", "rotate-key", "ffffffffffffffffffffffffffffffff"], env),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/accounts list/) });
    await expect(
      parley(["accounts", "rotate-key", acme], { ...env, AMQP_URL: "amqp://127.0.0.1:5672" }),
    ).rejects.toMatchObject({ code: 78, stderr: expect.stringMatching(/api_key/) });
  });

  it("rotates a key beside a running server: the server refuses the old key's token and accepts the new key's", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-cli-"));
    const db = join(dir, "parley.db");
    const server = await startServer({ PARLEY_DB: db });
    const api = apiClient(server);
    const account = await createAccount(api, "Acme");
    const me = `/v2/accounts/${account.id}`;
    expect((await api.get(me, { token: account.token })).status).toBe(200);

    const rotated = await parley(["accounts", "rotate-key", account.id], { PARLEY_DB: db });
    const newKey = rotated.stdout.match(/api key ([0-9a-f]{64})/)?.[1] ?? "";
    // The server learns of a rotation made beside it within a second.
    await expect
      .poll(async () => (await api.get(me, { token: account.token })).body.reason, {
        timeout: 5000,
      })
      .toBe("key_rotated");
    const exchanged = await api.put("/v2/api_auth", { body: { data: { api_key: newKey } } });
    expect(exchanged.status).toBe(201);
    expect((await api.get(me, { token: exchanged.body.auth_token })).status).toBe(200);
  });

  it("creates an account and a token that the server accepts, and follows its events", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-cli-"));
    const env = { PARLEY_DB: join(dir, "parley.db") };
    expect((await parley(["migrate"], env)).stdout).toMatch(/up to date/);
    const created = await parley(
      ["accounts", "create", "Acme", "--id", "0123456789abcdef0123456789abcdef"],
      env,
    );
    const apiKey = created.stdout.match(/api key ([0-9a-f]{64})/)?.[1] ?? "";
    expect(created.stdout).toContain("account 0123456789abcdef0123456789abcdef (Acme)");
    const token = (await parley(["token", apiKey], env)).stdout.trim();
    await expect(parley(["token", "not-a-key"], env)).rejects.toMatchObject({ code: 1 });

    // The simulator runs under the first account: this one.
    const server = spawnParley({ ...env, PARLEY_SIMULATE: "1" });
    const url = await server.ready();
    const account = await fetch(`${url}/v2/accounts/0123456789abcdef0123456789abcdef`, {
      headers: { "X-Auth-Token": token },
    });
    expect(account.status).toBe(200);

    const tail = spawn(
      "node",
      [bin, "events", "tail", "0123456789abcdef0123456789abcdef", "--token", token, "--url", url],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? "" },
      },
    );
    onTestFinished(() => {
      tail.kill("SIGKILL");
    });
    let out = "";
    tail.stdout.on("data", (chunk) => {
      out += chunk;
    });
    await expect
      .poll(() => out, { timeout: 15_000 })
      .toMatch(/(add-member|start-talking|stop-talking) conference=[0-9a-f]{32} call=\S+ seq=\d+/);
  });
});
