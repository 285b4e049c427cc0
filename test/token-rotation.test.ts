import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { ConfigError, loadConfig } from "../server/config";
import type { ParleyServer } from "../server/create-server";
import { type ApiClient, apiClient, createAccount, type Json } from "./helpers/api";
import { hexId } from "./helpers/events";
import { expectErrorEnvelope } from "./helpers/live";
import { spawnParley } from "./helpers/process";
import { startServer } from "./helpers/server";

const SECRET_A = "key-a-0123456789abcdef0123456789abcdef";
const SECRET_B = "key-b-fedcba9876543210fedcba9876543210";

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** A JWT with any header, signed with HMAC-SHA256 as parley signed its tokens before keys had ids. */
function hs256(header: object, claims: object, key: string | Buffer): string {
  const input = `${b64url(header)}.${b64url(claims)}`;
  return `${input}.${createHmac("sha256", key).update(input).digest("base64url")}`;
}

function headerOf(token: string): Json {
  return JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString("utf8"));
}

/** A database file that outlives one server, so a test can restart parley on it. */
function databaseFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "parley-tokens-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "parley.db");
}

/** The HTTP status of an authenticated read of the account's conferences with `token`. */
async function statusWith(api: ApiClient, accountId: string, token: string): Promise<number> {
  const res = await api.get(`/v2/accounts/${accountId}/conferences`, { token });
  if (res.status === 401) {
    expectErrorEnvelope(res.body, 401, "invalid_credentials");
  }
  return res.status;
}

/** A token for the account from `PUT /v2/api_auth`. */
async function signIn(api: ApiClient, apiKey: string): Promise<string> {
  const res = await api.put("/v2/api_auth", { body: { data: { api_key: apiKey } } });
  expect(res.status).toBe(201);
  return res.body.auth_token;
}

async function restart(previous: ParleyServer, env: Record<string, string>) {
  await previous.close();
  const server = await startServer(env);
  return { server, api: apiClient(server) };
}

describe("token keys and rotation", () => {
  it("keeps old tokens through a rotation and refuses them once their key is removed", async () => {
    const db = databaseFile();
    const first = await startServer({ PARLEY_DB: db, PARLEY_TOKEN_KEYS: `a:${SECRET_A}` });
    const account = await createAccount(apiClient(first));
    expect(headerOf(account.token)).toEqual({ alg: "HS256", typ: "JWT", kid: "a" });

    // B is added in front: it signs, A still verifies
    const rotated = await restart(first, {
      PARLEY_DB: db,
      PARLEY_TOKEN_KEYS: `b:${SECRET_B},a:${SECRET_A}`,
    });
    expect(await statusWith(rotated.api, account.id, account.token)).toBe(200);
    const fresh = await signIn(rotated.api, account.apiKey);
    expect(headerOf(fresh).kid).toBe("b");
    expect(await statusWith(rotated.api, account.id, fresh)).toBe(200);

    // A is removed after the token lifetime: its tokens stop working, B's go on
    const retired = await restart(rotated.server, {
      PARLEY_DB: db,
      PARLEY_TOKEN_KEYS: `b:${SECRET_B}`,
    });
    expect(await statusWith(retired.api, account.id, account.token)).toBe(401);
    expect(await statusWith(retired.api, account.id, fresh)).toBe(200);
  });

  it("still accepts a token without kid that parley issued before the upgrade", async () => {
    const db = databaseFile();
    const before = await startServer({ PARLEY_DB: db });
    const account = await createAccount(apiClient(before));
    const stored = before.store.sqlite
      .prepare("SELECT value FROM settings WHERE key = 'token_secret'")
      .get() as { value: string };
    const iat = Math.floor(Date.now() / 1000);
    const legacy = hs256(
      { alg: "HS256", typ: "JWT" },
      { account_id: account.id, iat, exp: iat + 3600, jti: hexId() },
      Buffer.from(stored.value, "hex"),
    );

    const after = await restart(before, { PARLEY_DB: db });
    expect(await statusWith(after.api, account.id, legacy)).toBe(200);
    // what it issues now names the installation key, and verifies too
    const fresh = await signIn(after.api, account.apiKey);
    expect(headerOf(fresh)).toEqual({ alg: "HS256", typ: "JWT", kid: "installation" });
    expect(await statusWith(after.api, account.id, fresh)).toBe(200);
  });

  it("refuses expired tokens with 401 invalid_credentials", async () => {
    let clock = Date.UTC(2026, 0, 15, 12, 0, 0);
    const server = await startServer({ PARLEY_TOKEN_KEYS: `a:${SECRET_A}` }, { now: () => clock });
    const api = apiClient(server);
    const account = await createAccount(api);
    clock += 3599 * 1000;
    expect(await statusWith(api, account.id, account.token)).toBe(200);
    clock += 2 * 1000;
    expect(await statusWith(api, account.id, account.token)).toBe(401);
  });

  it("refuses alg none, other algorithms, tampered, unknown-kid and kid-less tokens", async () => {
    const server = await startServer({ PARLEY_TOKEN_KEYS: `a:${SECRET_A}` });
    const api = apiClient(server);
    const account = await createAccount(api);
    const other = await createAccount(api, "Other");
    const [header, payload, signature] = account.token.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    const input = (alg: string) => `${b64url({ alg, typ: "JWT", kid: "a" })}.${payload}`;

    const refused = {
      "alg none": `${input("none")}.`,
      "alg none, no signature part": input("none"),
      // the right key, but not the algorithm parley signs with
      HS512: `${input("HS512")}.${createHmac("sha512", SECRET_A).update(input("HS512")).digest("base64url")}`,
      // the HMAC key used as if it were an RSA public key
      RS256: `${input("RS256")}.${createHmac("sha256", SECRET_A).update(input("RS256")).digest("base64url")}`,
      "claims of another account": `${header}.${b64url({ ...claims, account_id: other.id })}.${signature}`,
      "signature flipped": `${header}.${payload}.${Buffer.from(signature, "base64url").reverse().toString("base64url")}`,
      "unknown kid": hs256({ alg: "HS256", typ: "JWT", kid: "zz" }, claims, SECRET_A),
      "no kid while keys are configured": hs256({ alg: "HS256", typ: "JWT" }, claims, SECRET_A),
      "signed by a key parley never had": hs256(
        { alg: "HS256", typ: "JWT", kid: "a" },
        claims,
        SECRET_B,
      ),
    };
    for (const [what, token] of Object.entries(refused)) {
      const accountId = what === "claims of another account" ? other.id : account.id;
      expect({ what, status: await statusWith(api, accountId, token) }).toEqual({
        what,
        status: 401,
      });
    }
    expect(await statusWith(api, account.id, account.token)).toBe(200);
  });

  it("reads PARLEY_TOKEN_KEYS as kid:secret pairs, newest first, and explains a bad value", () => {
    const env = { PARLEY_TOKEN_KEYS: ` b:${SECRET_B} , a:${SECRET_A}` };
    expect(loadConfig(env).tokenKeys).toEqual([
      { kid: "b", secret: SECRET_B },
      { kid: "a", secret: SECRET_A },
    ]);
    expect(loadConfig({}).tokenKeys).toBeUndefined();
    expect(loadConfig({ PARLEY_TOKEN_KEYS: "" }).tokenKeys).toBeUndefined();
    const bad: Record<string, RegExp> = {
      [SECRET_A]: /key 1 must be kid:secret/,
      [`a:${SECRET_A},a:${SECRET_B}`]: /key 2 repeats the key id "a"/,
      [`a:${SECRET_A},b:short-secret`]: /key 2 needs a secret of at least 32 characters/,
      [`a b:${SECRET_A}`]: /key 1 must be kid:secret/,
    };
    for (const [value, message] of Object.entries(bad)) {
      const load = () => loadConfig({ PARLEY_TOKEN_KEYS: value });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(/PARLEY_TOKEN_KEYS: /);
      expect(load).toThrow(message);
      expect(load).not.toThrow(/0123456789abcdef|short-secret/);
    }
  });

  it("stops with exit code 78 and a readable line on a bad PARLEY_TOKEN_KEYS", async () => {
    const parley = spawnParley({ PARLEY_DB: ":memory:", PARLEY_TOKEN_KEYS: "a:too-short-secret" });
    expect((await parley.exited).code).toBe(78);
    expect(parley.stderr()).toMatch(/PARLEY_TOKEN_KEYS: key 1 needs a secret of at least 32/);
    expect(parley.stderr()).not.toContain("too-short-secret");
  });
});
