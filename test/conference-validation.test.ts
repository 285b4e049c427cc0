import { describe, expect, it, onTestFinished } from "vitest";
import {
  type ApiClient,
  apiClient,
  createAccount,
  createConference,
  type RequestOptions,
} from "./helpers/api";
import { expectErrorEnvelope } from "./helpers/live";
import { startServer } from "./helpers/server";

/**
 * An API client that records every status it sees and fails the test if any was a 5xx: no
 * request in this file, however malformed, may make parley answer with a server error.
 */
function neverServerError(api: ApiClient): ApiClient {
  const seen: string[] = [];
  onTestFinished(() => {
    expect(seen.filter((line) => line.startsWith("5"))).toEqual([]);
  });
  const request: ApiClient["request"] = async (method, path, options) => {
    const res = await api.request(method, path, options);
    seen.push(`${res.status} ${method} ${path}`);
    return res;
  };
  return {
    request,
    get: (path: string, options?: RequestOptions) => request("GET", path, options),
    put: (path: string, options?: RequestOptions) => request("PUT", path, options),
    post: (path: string, options?: RequestOptions) => request("POST", path, options),
    patch: (path: string, options?: RequestOptions) => request("PATCH", path, options),
    delete: (path: string, options?: RequestOptions) => request("DELETE", path, options),
  };
}

async function setup(env: Record<string, string> = {}) {
  const server = await startServer(env);
  const api = neverServerError(apiClient(server));
  const account = await createAccount(api);
  const base = `/v2/accounts/${account.id}/conferences`;
  const existing = await createConference(api, account, {
    name: "Existing",
    member: { numbers: ["1001"] },
  });
  const list = async () => (await api.get(base, { token: account.token })).body.data;
  const document = async () => {
    const res = await api.get(`${base}/${existing}`, { token: account.token });
    return { data: res.body.data, revision: res.body.revision };
  };
  return { server, api, account, base, token: account.token, existing, list, document };
}

const longName = "x".repeat(129);

/** cb-validation-errors.json: each case's request `data` (plus a valid name) and expected `data`. */
const ruleCases: Array<{ rule: string; data: Record<string, unknown>; expected: unknown }> = [
  {
    rule: "minLength (name_too_short)",
    data: { name: "" },
    expected: {
      name: {
        minLength: {
          message: "String must be at least 1 characters",
          target: 1,
          cause: "",
          value: "",
        },
      },
    },
  },
  {
    rule: "maxLength (name_too_long, 129 characters)",
    data: { name: longName },
    expected: {
      name: {
        maxLength: {
          message: "String must not be more than 128 characters",
          target: 128,
          cause: longName,
          value: longName,
        },
      },
    },
  },
  {
    rule: "minLength (owner_id_wrong_length: owner_id is 32 characters)",
    data: { name: "Valid", owner_id: "abc" },
    expected: {
      owner_id: {
        minLength: {
          message: "String must be at least 32 characters",
          target: 32,
          cause: "abc",
          value: "abc",
        },
      },
    },
  },
  {
    rule: "maxLength (owner_id of 33 characters)",
    data: { name: "Valid", owner_id: "a".repeat(33) },
    expected: {
      owner_id: {
        maxLength: {
          message: "String must not be more than 32 characters",
          target: 32,
          cause: "a".repeat(33),
          value: "a".repeat(33),
        },
      },
    },
  },
  {
    rule: "pattern (pin_not_digits)",
    data: { name: "Valid", member: { pins: ["12a4"] } },
    expected: {
      "member.pins.0": {
        pattern: {
          message: "Failed to match pattern '^[0-9]+$'",
          target: "^[0-9]+$",
          value: "12a4",
        },
      },
    },
  },
  {
    rule: "uniqueItems (conference_numbers_not_unique)",
    data: { name: "Valid", conference_numbers: ["1000", "1000"] },
    expected: {
      conference_numbers: {
        uniqueItems: { message: "List of items is not unique", value: ["1000", "1000"] },
      },
    },
  },
  {
    rule: "type boolean (play_name_wrong_type)",
    data: { name: "Valid", play_name: "maybe" },
    expected: {
      play_name: {
        type: {
          message: "Value did not match type(s): boolean",
          target: "boolean",
          value: "maybe",
        },
      },
    },
  },
  {
    rule: "type integer (max_participants_wrong_type)",
    data: { name: "Valid", max_participants: "ten" },
    expected: {
      max_participants: {
        type: { message: "Value did not match type(s): integer", target: "integer", value: "ten" },
      },
    },
  },
  {
    rule: "type object (member_not_object)",
    data: { name: "Valid", member: "everyone" },
    expected: {
      member: {
        type: {
          message: "Value did not match type(s): object",
          target: "object",
          value: "everyone",
        },
      },
    },
  },
];

describe("conference validation: one rule at a time, with Kazoo's exact bodies", () => {
  for (const { rule, data, expected } of ruleCases) {
    it(`rejects ${rule} with 400 and the fixture's data`, async () => {
      const { api, base, token, list } = await setup();
      const before = await list();
      const res = await api.put(base, { token, body: { data } });
      expect(res.status).toBe(400);
      expectErrorEnvelope(res.body, 400, "validation error");
      expect(res.body.data).toEqual(expected);
      expect(await list()).toEqual(before);
    });
  }

  it("reports a missing name as data.name.required", async () => {
    const { api, base, token, list } = await setup();
    const before = await list();
    const res = await api.put(base, { token, body: { data: { max_participants: 5 } } });
    expect(res.status).toBe(400);
    expectErrorEnvelope(res.body, 400, "validation error");
    expect(Object.keys(res.body.data)).toEqual(["name"]);
    expect(res.body.data.name.required).toMatchObject({ message: "Field is required but missing" });
    expect(await list()).toEqual(before);
  });

  it("rejects a negative max_participants with the minimum rule", async () => {
    const { api, base, token, list } = await setup();
    const before = await list();
    const res = await api.put(base, {
      token,
      body: { data: { name: "Valid", max_participants: -1 } },
    });
    expect(res.status).toBe(400);
    expectErrorEnvelope(res.body, 400, "validation error");
    expect(Object.keys(res.body.data)).toEqual(["max_participants"]);
    expect(res.body.data.max_participants.minimum).toMatchObject({
      message: expect.stringMatching(/^Value must be at least \d+$/),
      value: -1,
    });
    expect(await list()).toEqual(before);
  });

  it("rejects play_entry_tone 5 (neither boolean nor string) keyed play_entry_tone", async () => {
    const { api, base, token, list } = await setup();
    const before = await list();
    const res = await api.put(base, {
      token,
      body: { data: { name: "Valid", play_entry_tone: 5 } },
    });
    expect(res.status).toBe(400);
    expectErrorEnvelope(res.body, 400, "validation error");
    expect(Object.keys(res.body.data)).toEqual(["play_entry_tone"]);
    expect(Object.keys(res.body.data.play_entry_tone)).toHaveLength(1);
    expect(await list()).toEqual(before);
  });

  it("rejects an empty play_exit_tone string (tones are boolean or a non-empty string)", async () => {
    const { api, base, token } = await setup();
    const res = await api.put(base, {
      token,
      body: { data: { name: "Valid", play_exit_tone: "" } },
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.data)).toEqual(["play_exit_tone"]);
  });

  it("accepts tones as booleans or strings", async () => {
    const { api, base, token } = await setup();
    const res = await api.put(base, {
      token,
      body: {
        data: {
          name: "Valid",
          play_entry_tone: "tone_stream://%(200,0,500)",
          play_exit_tone: false,
        },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      play_entry_tone: "tone_stream://%(200,0,500)",
      play_exit_tone: false,
    });
  });

  it("merges several failures into one data object (multiple_errors_merged)", async () => {
    const { api, base, token, list } = await setup();
    const before = await list();
    const res = await api.put(base, { token, body: { data: { name: "", owner_id: "abc" } } });
    expect(res.status).toBe(400);
    expectErrorEnvelope(res.body, 400, "validation error");
    expect(res.body.data).toEqual({
      name: {
        minLength: {
          message: "String must be at least 1 characters",
          target: 1,
          cause: "",
          value: "",
        },
      },
      owner_id: {
        minLength: {
          message: "String must be at least 32 characters",
          target: 32,
          cause: "abc",
          value: "abc",
        },
      },
    });
    expect(await list()).toEqual(before);
  });

  it("reports the fixture's owner_id case sent literally together with the missing name", async () => {
    const { api, base, token } = await setup();
    const res = await api.put(base, { token, body: { data: { owner_id: "abc" } } });
    expect(res.status).toBe(400);
    expect(res.body.data.owner_id).toEqual({
      minLength: {
        message: "String must be at least 32 characters",
        target: 32,
        cause: "abc",
        value: "abc",
      },
    });
    expect(res.body.data.name).toHaveProperty("required");
  });

  it("answers every validation failure with the full error envelope", async () => {
    const { api, base, token, account } = await setup();
    const res = await api.put(base, {
      token,
      body: { data: { name: "" } },
      headers: { "X-Request-ID": "validation-envelope-1" },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      auth_token: account.token,
      error: "400",
      message: "validation error",
      request_id: "validation-envelope-1",
      status: "error",
      timestamp: expect.any(String),
      version: expect.any(String),
    });
    for (const key of [
      "auth_token",
      "data",
      "error",
      "message",
      "request_id",
      "status",
      "timestamp",
      "version",
    ]) {
      expect(res.body).toHaveProperty(key);
    }
    expect(res.body).not.toHaveProperty("revision");
  });

  it("validates a POST replacement with the same rules and keeps the stored document", async () => {
    const { api, base, token, existing, document } = await setup();
    const before = await document();
    const res = await api.post(`${base}/${existing}`, {
      token,
      body: { data: { name: longName, member: { pins: ["12a4"] } } },
    });
    expect(res.status).toBe(400);
    expectErrorEnvelope(res.body, 400, "validation error");
    expect(Object.keys(res.body.data).sort()).toEqual(["member.pins.0", "name"]);
    expect(res.body.data.name).toHaveProperty("maxLength");
    expect(res.body.data["member.pins.0"]).toHaveProperty("pattern");
    expect(await document()).toEqual(before);
  });

  it("validates a POST before looking the conference up, as crossbar does", async () => {
    const { api, base, token } = await setup();
    const res = await api.post(`${base}/ffffffffffffffffffffffffffffffff`, {
      token,
      body: { data: { name: "" } },
    });
    expect(res.status).toBe(400);
    expect(res.body.data.name).toHaveProperty("minLength");
  });
});

describe("request envelope errors", () => {
  it("rejects invalid JSON with 400 and data.json.invalid targeting the body", async () => {
    const { api, base, token, list } = await setup();
    const before = await list();
    for (const rawBody of ['{"data": {"name": "x"', "not json", '{"data": {name: "x"}}']) {
      const res = await api.put(base, { token, rawBody });
      expect(res.status).toBe(400);
      expectErrorEnvelope(res.body, 400, "validation error");
      expect(res.body.data.json.invalid.target).toBe("body");
      expect(typeof res.body.data.json.invalid.message).toBe("string");
      expect(res.body.data.json.invalid.message.length).toBeGreaterThan(0);
    }
    expect(await list()).toEqual(before);
  });

  it("rejects a body without data with 400 data.data.required", async () => {
    const { api, base, token, list } = await setup();
    const before = await list();
    const res = await api.put(base, { token, body: { name: "No envelope" } });
    expect(res.status).toBe(400);
    expectErrorEnvelope(res.body, 400, "validation error");
    expect(res.body.data.data).toHaveProperty("required");
    expect(await list()).toEqual(before);
  });

  it("rejects a body that is not a JSON object with 400", async () => {
    const { api, base, token, list } = await setup();
    const before = await list();
    for (const rawBody of ["[1]", '"x"', "42", "null", "true"]) {
      const res = await api.put(base, { token, rawBody });
      expect(res.status, rawBody).toBe(400);
      expectErrorEnvelope(res.body, 400, "validation error");
    }
    expect(await list()).toEqual(before);
  });

  it("rejects a create whose data is not an object with 400", async () => {
    const { api, base, token, list } = await setup();
    const before = await list();
    for (const data of [[1], "x", 5, null, true, [{ name: "In an array" }]]) {
      const res = await api.put(base, { token, body: { data } });
      expect(res.status, JSON.stringify(data)).toBe(400);
      expectErrorEnvelope(res.body, 400, "validation error");
    }
    expect(await list()).toEqual(before);
  });

  it("rejects a POST or PATCH whose data is not an object with 400 and keeps the document", async () => {
    const { api, base, token, existing, document } = await setup();
    const before = await document();
    for (const method of ["POST", "PATCH"]) {
      for (const body of [{ data: [1] }, { data: "x" }, { name: "x" }]) {
        const res = await api.request(method, `${base}/${existing}`, { token, body });
        expect(res.status, `${method} ${JSON.stringify(body)}`).toBe(400);
        expectErrorEnvelope(res.body, 400, "validation error");
      }
      const broken = await api.request(method, `${base}/${existing}`, { token, rawBody: "{" });
      expect(broken.status).toBe(400);
      expect(broken.body.data.json.invalid.target).toBe("body");
    }
    expect(await document()).toEqual(before);
  });

  it("answers a body over HTTP_BODY_LIMIT with a 413 error envelope and stores nothing", async () => {
    const { api, base, token, list } = await setup({ HTTP_BODY_LIMIT: "2048" });
    const before = await list();
    const res = await api.put(base, {
      token,
      body: { data: { name: "Big", ui_metadata: { padding: "p".repeat(4096) } } },
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({
      error: "413",
      status: "error",
      message: expect.any(String),
      request_id: expect.any(String),
      timestamp: expect.any(String),
      version: expect.any(String),
    });
    expect(res.body).toHaveProperty("data");
    expect(await list()).toEqual(before);

    const small = await api.put(base, {
      token,
      body: { data: { name: "Small", ui_metadata: { padding: "p".repeat(1000) } } },
    });
    expect(small.status).toBe(201);
  });

  it("answers a chunked body (no Content-Length) over the limit with 413 and stores nothing", async () => {
    const { server, base, token, list } = await setup({ HTTP_BODY_LIMIT: "2048" });
    const before = await list();
    const chunk = new TextEncoder().encode(
      `{"data":{"name":"Chunked","pad":"${"p".repeat(8192)}"}}`,
    );
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < chunk.length; at += 512) {
          controller.enqueue(chunk.subarray(at, at + 512));
        }
        controller.close();
      },
    });
    const res = await fetch(`${server.url}${base}`, {
      method: "PUT",
      headers: { "X-Auth-Token": token },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    const body = await res.json();
    expect(body).toMatchObject({ error: "413", status: "error" });
    expect(await list()).toEqual(before);
  });

  it("never answers 5xx to hostile payloads", async () => {
    const { api, base, token, existing, list } = await setup();
    const hostile: unknown[] = [
      { data: { name: "x", member: { pins: [1, null, {}, []] } } },
      { data: { name: "x", conference_numbers: "1000" } },
      { data: { name: "x", moderator: [] } },
      { data: { name: "x", max_participants: 1e308 } },
      { data: { name: "x", max_participants: "99999999999999999999" } },
      { data: { name: "x", "a.b": { "c.d": 1 }, profile: 5 } },
      { data: JSON.parse('{"name":"x","__proto__":{"polluted":true}}') },
      { data: { name: { nested: true } } },
    ];
    for (const body of hostile) {
      for (const [method, path] of [
        ["PUT", base],
        ["POST", `${base}/${existing}`],
        ["PATCH", `${base}/${existing}`],
      ] as const) {
        const res = await api.request(method, path, { token, body });
        expect(res.status, `${method} ${JSON.stringify(body)}`).toBeLessThan(500);
      }
    }
    const deep = `${'{"data":'.repeat(2000)}{}${"}".repeat(2000)}`;
    expect((await api.put(base, { token, rawBody: deep })).status).toBeLessThan(500);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    for (const row of await list()) {
      expect(row.id).toMatch(/^[0-9a-f]{32}$/);
    }
  });
});
