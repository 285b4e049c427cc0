import { describe, expect, it } from "vitest";
import { apiClient, createAccount, createConference } from "./helpers/api";
import { hexId } from "./helpers/events";
import { expectErrorEnvelope } from "./helpers/live";
import { startServer } from "./helpers/server";

const hex32 = /^[0-9a-f]{32}$/;
const revision = (n: number) => new RegExp(`^${n}-[0-9a-f]{32}$`);

/** The conference created in cb-conference-crud.json's `create_conference` case. */
const salesWeekly = {
  name: "Sales Weekly",
  owner_id: "32d8788da9506b4b1991d5bb86d27b0a",
  member: { pins: ["1234"], numbers: ["1001"] },
  moderator: { pins: ["9999"] },
  play_entry_tone: true,
  play_exit_tone: true,
};

async function setup() {
  const server = await startServer();
  const api = apiClient(server);
  const account = await createAccount(api);
  const base = `/v2/accounts/${account.id}/conferences`;
  return { server, api, account, base, token: account.token };
}

describe("conference CRUD", () => {
  it("creates a conference: 201, seed 003 defaults, 32-hex id, Location header and revision 1-<hex>", async () => {
    const { api, base, token } = await setup();
    const res = await api.put(base, { token, body: { data: salesWeekly } });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("success");
    const data = res.body.data;
    expect(data.id).toMatch(hex32);
    expect(res.headers.get("location")).toBe(data.id);
    expect(res.body.revision).toMatch(revision(1));
    expect(data).toEqual({
      id: data.id,
      name: "Sales Weekly",
      owner_id: "32d8788da9506b4b1991d5bb86d27b0a",
      conference_numbers: [],
      member: { join_deaf: false, join_muted: true, numbers: ["1001"], pins: ["1234"] },
      // seed 003's table: moderator.join_muted "The default is true" (wins over Kazoo's code)
      moderator: { join_deaf: false, join_muted: true, numbers: [], pins: ["9999"] },
      play_entry_tone: true,
      play_exit_tone: true,
      play_name: false,
    });
  });

  it("applies every default to a minimal document", async () => {
    const { api, base, token } = await setup();
    const res = await api.put(base, { token, body: { data: { name: "Minimal" } } });
    expect(res.status).toBe(201);
    expect(res.body.data).toEqual({
      id: expect.stringMatching(hex32),
      name: "Minimal",
      conference_numbers: [],
      member: { join_deaf: false, join_muted: true, numbers: [], pins: [] },
      moderator: { join_deaf: false, join_muted: true, numbers: [], pins: [] },
      play_name: false,
    });
  });

  it("drops client-sent _read_only, pvt_ and id keys and keeps custom keys", async () => {
    const { api, base, token } = await setup();
    const chosen = hexId();
    const res = await api.put(base, {
      token,
      body: {
        data: {
          name: "Sneaky",
          id: chosen,
          _read_only: { members: 99, is_locked: true },
          pvt_x: "secret",
          pvt_account_id: hexId(),
          ui_metadata: { ui: "hostedpbx-ui" },
        },
      },
    });
    expect(res.status).toBe(201);
    const data = res.body.data;
    expect(data.id).not.toBe(chosen);
    expect(data).not.toHaveProperty("_read_only");
    expect(data).not.toHaveProperty("pvt_x");
    expect(data).not.toHaveProperty("pvt_account_id");
    expect(data.ui_metadata).toEqual({ ui: "hostedpbx-ui" });

    const got = await api.get(`${base}/${data.id}`, { token });
    expect(got.body.data.ui_metadata).toEqual({ ui: "hostedpbx-ui" });
    expect(got.body.data).not.toHaveProperty("pvt_x");
    expect(got.body.data._read_only).toMatchObject({ members: 0, is_locked: false });
    expect((await api.get(`${base}/${chosen}`, { token })).status).toBe(404);
  });

  it('coerces Kazoo\'s lenient types: "25" to 25 and "true" to true', async () => {
    const { api, base, token } = await setup();
    const res = await api.put(base, {
      token,
      body: { data: { name: "Coerce", max_participants: "25", play_name: "true" } },
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ name: "Coerce", max_participants: 25, play_name: true });
    const got = await api.get(`${base}/${res.body.data.id}`, { token });
    expect(got.body.data.max_participants).toBe(25);
    expect(got.body.data.play_name).toBe(true);
  });

  it("returns one conference with an idle _read_only block", async () => {
    const { api, base, token } = await setup();
    const created = await api.put(base, { token, body: { data: salesWeekly } });
    const id = created.body.data.id;
    const res = await api.get(`${base}/${id}`, { token });
    expect(res.status).toBe(200);
    expect(res.body.revision).toBe(created.body.revision);
    const { _read_only: readOnly, ...doc } = res.body.data;
    expect(doc).toEqual(created.body.data);
    expect(readOnly).toEqual({
      members: 0,
      admins: 0,
      moderators: 0,
      duration: 0,
      is_locked: false,
      participants: [],
    });
  });

  it("lists conferences with members, admins, duration, is_locked at the row top level and under _read_only", async () => {
    const { api, base, token, account } = await setup();
    const first = await createConference(api, account, salesWeekly);
    const second = await createConference(api, account, {
      name: "Board Room",
      conference_numbers: ["2000"],
    });
    const res = await api.get(base, { token });
    expect(res.status).toBe(200);
    expect(res.body.page_size).toBe(2);
    expect(res.body.data).toHaveLength(2);
    const byId = new Map(res.body.data.map((row: { id: string }) => [row.id, row]));
    expect(byId.get(first)).toMatchObject({
      id: first,
      name: "Sales Weekly",
      owner_id: "32d8788da9506b4b1991d5bb86d27b0a",
      member: { join_muted: true, join_deaf: false, numbers: ["1001"], pins: ["1234"] },
      moderator: { join_muted: true, join_deaf: false, numbers: [], pins: ["9999"] },
      members: 0,
      admins: 0,
      duration: 0,
      is_locked: false,
      _read_only: { members: 0, admins: 0, duration: 0, is_locked: false },
    });
    expect(byId.get(second)).toMatchObject({
      name: "Board Room",
      conference_numbers: ["2000"],
      members: 0,
      admins: 0,
      duration: 0,
      is_locked: false,
      _read_only: { members: 0, admins: 0, duration: 0, is_locked: false },
    });
  });

  it("lists nothing for a new account, with page_size 0", async () => {
    const { api, base, token } = await setup();
    const res = await api.get(base, { token });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([]);
    expect(res.body.page_size).toBe(0);
  });

  it("replaces the document on POST: 200, revision 2, dropped optional fields are gone", async () => {
    const { api, base, token, account } = await setup();
    const id = await createConference(api, account, {
      ...salesWeekly,
      max_participants: 10,
      ui_metadata: { ui: "x" },
    });
    const res = await api.post(`${base}/${id}`, {
      token,
      body: { data: { name: "Sales Weekly (renamed)", member: { numbers: ["1001"] } } },
    });
    expect(res.status).toBe(200);
    expect(res.body.revision).toMatch(revision(2));
    expect(res.body.data).toEqual({
      id,
      name: "Sales Weekly (renamed)",
      conference_numbers: [],
      member: { join_deaf: false, join_muted: true, numbers: ["1001"], pins: [] },
      moderator: { join_deaf: false, join_muted: true, numbers: [], pins: [] },
      play_name: false,
    });
    const got = await api.get(`${base}/${id}`, { token });
    expect(got.body.revision).toBe(res.body.revision);
    expect(got.body.data).not.toHaveProperty("owner_id");
    expect(got.body.data).not.toHaveProperty("max_participants");
    expect(got.body.data).not.toHaveProperty("ui_metadata");
    expect(got.body.data).not.toHaveProperty("play_entry_tone");

    const third = await api.post(`${base}/${id}`, { token, body: { data: { name: "Again" } } });
    expect(third.body.revision).toMatch(revision(3));
  });

  it("answers POST to an unknown conference with 404 bad_identifier naming the id", async () => {
    const { api, base, token } = await setup();
    const res = await api.post(`${base}/ffffffffffffffffffffffffffffffff`, {
      token,
      body: { data: { name: "x" } },
    });
    expect(res.status).toBe(404);
    expectErrorEnvelope(res.body, 404, "bad_identifier");
    expect(res.body.data).toMatchObject({
      cause: "ffffffffffffffffffffffffffffffff",
      message: "bad identifier",
    });
    expect((await api.get(base, { token })).body.data).toEqual([]);
  });

  it("deep-merges a PATCH, the request winning, and increments the revision", async () => {
    const { api, base, token, account } = await setup();
    const id = await createConference(api, account, salesWeekly);
    const res = await api.patch(`${base}/${id}`, {
      token,
      body: { data: { max_participants: 50, play_exit_tone: false, member: { join_deaf: true } } },
    });
    expect(res.status).toBe(200);
    expect(res.body.revision).toMatch(revision(2));
    expect(res.body.data).toEqual({
      id,
      name: "Sales Weekly",
      owner_id: "32d8788da9506b4b1991d5bb86d27b0a",
      conference_numbers: [],
      member: { join_deaf: true, join_muted: true, numbers: ["1001"], pins: ["1234"] },
      moderator: { join_deaf: false, join_muted: true, numbers: [], pins: ["9999"] },
      play_entry_tone: true,
      play_exit_tone: false,
      play_name: false,
      max_participants: 50,
    });
    const got = await api.get(`${base}/${id}`, { token });
    expect(got.body.data.max_participants).toBe(50);
    expect(got.body.data.member.pins).toEqual(["1234"]);
  });

  it("removes a key when PATCH sends null for it", async () => {
    const { api, base, token, account } = await setup();
    const id = await createConference(api, account, { ...salesWeekly, ui_metadata: { ui: "x" } });
    const res = await api.patch(`${base}/${id}`, {
      token,
      body: { data: { owner_id: null, ui_metadata: null, member: { pins: null } } },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).not.toHaveProperty("owner_id");
    expect(res.body.data).not.toHaveProperty("ui_metadata");
    expect(res.body.data.member.numbers).toEqual(["1001"]);
    const got = await api.get(`${base}/${id}`, { token });
    expect(got.body.data).not.toHaveProperty("owner_id");
    expect(got.body.data).not.toHaveProperty("ui_metadata");
  });

  it("refuses a PATCH that leaves the document invalid with 400 and keeps the stored document", async () => {
    const { api, base, token, account } = await setup();
    const id = await createConference(api, account, salesWeekly);
    const before = await api.get(`${base}/${id}`, { token });

    const badName = await api.patch(`${base}/${id}`, { token, body: { data: { name: "" } } });
    expect(badName.status).toBe(400);
    expectErrorEnvelope(badName.body, 400, "validation error");
    expect(badName.body.data.name.minLength).toMatchObject({ target: 1, value: "" });

    const nameRemoved = await api.patch(`${base}/${id}`, { token, body: { data: { name: null } } });
    expect(nameRemoved.status).toBe(400);
    expect(nameRemoved.body.data.name).toHaveProperty("required");

    const badPin = await api.patch(`${base}/${id}`, {
      token,
      body: { data: { moderator: { pins: ["12a4"] }, max_participants: 5 } },
    });
    expect(badPin.status).toBe(400);
    expect(badPin.body.data["moderator.pins.0"]).toHaveProperty("pattern");

    const after = await api.get(`${base}/${id}`, { token });
    expect(after.body.data).toEqual(before.body.data);
    expect(after.body.revision).toBe(before.body.revision);
  });

  it("answers PATCH and DELETE on an unknown conference with 404 bad_identifier", async () => {
    const { api, base, token } = await setup();
    const unknown = hexId();
    const patched = await api.patch(`${base}/${unknown}`, { token, body: { data: { name: "x" } } });
    expect(patched.status).toBe(404);
    expectErrorEnvelope(patched.body, 404, "bad_identifier");
    expect(patched.body.data.cause).toBe(unknown);
    const deleted = await api.delete(`${base}/${unknown}`, { token });
    expect(deleted.status).toBe(404);
    expectErrorEnvelope(deleted.body, 404, "bad_identifier");
    expect(deleted.body.data.cause).toBe(unknown);
  });

  it("deletes a conference: 200 with _read_only.deleted, then GET 404 and a second DELETE 404", async () => {
    const { api, base, token, account } = await setup();
    const id = await createConference(api, account, salesWeekly);
    const res = await api.delete(`${base}/${id}`, { token });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("success");
    expect(res.body.data).toMatchObject({
      id,
      name: "Sales Weekly",
      _read_only: { deleted: true },
    });
    expect(res.body.revision).toMatch(revision(2));

    const got = await api.get(`${base}/${id}`, { token });
    expect(got.status).toBe(404);
    expectErrorEnvelope(got.body, 404, "bad_identifier");
    const again = await api.delete(`${base}/${id}`, { token });
    expect(again.status).toBe(404);
    expectErrorEnvelope(again.body, 404, "bad_identifier");
    expect((await api.post(`${base}/${id}`, { token, body: { data: { name: "x" } } })).status).toBe(
      404,
    );
    expect((await api.get(base, { token })).body.data).toEqual([]);
  });

  it("answers GET of an unknown conference with 404 bad_identifier naming the id", async () => {
    const { api, base, token } = await setup();
    const unknown = hexId();
    const res = await api.get(`${base}/${unknown}`, { token });
    expect(res.status).toBe(404);
    expectErrorEnvelope(res.body, 404, "bad_identifier");
    expect(res.body.data).toEqual({ cause: unknown, message: "bad identifier" });
  });

  it("answers 405 invalid_method with data.message 'method not allowed' for verbs a route lacks", async () => {
    const { api, base, token, account } = await setup();
    const id = await createConference(api, account, salesWeekly);
    const cases: Array<[string, string]> = [
      ["DELETE", base],
      ["POST", base],
      ["PATCH", base],
      ["POST", `${base}/${id}/participants`],
      ["DELETE", `${base}/${id}/participants`],
      ["PATCH", `${base}/${id}/participants`],
      ["POST", `${base}/${id}/participants/1`],
      ["DELETE", `${base}/${id}/participants/1`],
      ["PATCH", `${base}/${id}/participants/1`],
    ];
    for (const [method, path] of cases) {
      const res = await api.request(method, path, { token, body: { data: { name: "x" } } });
      expect(res.status, `${method} ${path}`).toBe(405);
      expectErrorEnvelope(res.body, 405, "invalid_method");
      expect(res.body.data).toEqual({ message: "method not allowed" });
    }
    const list = await api.get(base, { token });
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0].name).toBe("Sales Weekly");
  });
});

describe("dial-in number uniqueness", () => {
  it("refuses a number another conference of the account already uses", async () => {
    const { api, base, token, account } = await setup();
    await createConference(api, account, salesWeekly);
    const res = await api.put(base, {
      token,
      body: { data: { name: "Dup", member: { numbers: ["1001"] } } },
    });
    expect(res.status).toBe(400);
    expectErrorEnvelope(res.body, 400, "validation error");
    expect(res.body.data).toEqual({
      numbers: { unique: { message: "Numbers already in use", cause: "1001" } },
    });
    expect((await api.get(base, { token })).body.data).toHaveLength(1);
  });

  it("checks conference_numbers, member.numbers and moderator.numbers against each other", async () => {
    const { api, base, token, account } = await setup();
    await createConference(api, account, {
      name: "Owner",
      conference_numbers: ["3000"],
      moderator: { numbers: ["3001"] },
    });
    const viaMember = await api.put(base, {
      token,
      body: { data: { name: "A", member: { numbers: ["3000"] } } },
    });
    expect(viaMember.status).toBe(400);
    expect(viaMember.body.data.numbers.unique.cause).toBe("3000");
    const viaConference = await api.put(base, {
      token,
      body: { data: { name: "B", conference_numbers: ["3001"] } },
    });
    expect(viaConference.status).toBe(400);
    expect(viaConference.body.data.numbers.unique.cause).toBe("3001");
  });

  it("lets a POST keep the conference's own numbers", async () => {
    const { api, base, token, account } = await setup();
    const id = await createConference(api, account, salesWeekly);
    const res = await api.post(`${base}/${id}`, {
      token,
      body: { data: { name: "Sales Weekly v2", member: { numbers: ["1001"] } } },
    });
    expect(res.status).toBe(200);
    expect(res.body.data.member.numbers).toEqual(["1001"]);
    const patched = await api.patch(`${base}/${id}`, {
      token,
      body: { data: { conference_numbers: ["1002"] } },
    });
    expect(patched.status).toBe(200);
  });

  it("refuses a POST or PATCH that takes another conference's number", async () => {
    const { api, base, token, account } = await setup();
    await createConference(api, account, salesWeekly);
    const other = await createConference(api, account, { name: "Other" });
    const posted = await api.post(`${base}/${other}`, {
      token,
      body: { data: { name: "Other", conference_numbers: ["1001"] } },
    });
    expect(posted.status).toBe(400);
    expect(posted.body.data).toEqual({
      numbers: { unique: { message: "Numbers already in use", cause: "1001" } },
    });
    const patched = await api.patch(`${base}/${other}`, {
      token,
      body: { data: { moderator: { numbers: ["1001"] } } },
    });
    expect(patched.status).toBe(400);
    expect(patched.body.data.numbers.unique.cause).toBe("1001");
  });

  it("lets another account use the same number", async () => {
    const { api, account } = await setup();
    await createConference(api, account, salesWeekly);
    const other = await createAccount(api, "Other");
    const res = await api.put(`/v2/accounts/${other.id}/conferences`, {
      token: other.token,
      body: { data: { name: "Theirs", member: { numbers: ["1001"] } } },
    });
    expect(res.status).toBe(201);
  });

  it("frees a deleted conference's numbers", async () => {
    const { api, base, token, account } = await setup();
    const id = await createConference(api, account, salesWeekly);
    expect((await api.delete(`${base}/${id}`, { token })).status).toBe(200);
    const res = await api.put(base, {
      token,
      body: { data: { name: "Reuse", member: { numbers: ["1001"] } } },
    });
    expect(res.status).toBe(201);
  });
});
