import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it, onTestFinished } from "vitest";
import { apiClient, createAccount, createConference } from "./helpers/api";
import { currentFeedEvent } from "./helpers/events";
import { startServer } from "./helpers/server";

/** A BigBlueButton API call URL with its checksum, as a BBB client library builds it. */
function bbbCall(
  base: string,
  call: string,
  params: Record<string, string>,
  secret: string,
  algo = "sha1",
) {
  const query = new URLSearchParams(params).toString();
  const checksum = createHash(algo).update(`hooks/${call}${query}${secret}`).digest("hex");
  return `${base}/hooks/${call}?${query}${query ? "&" : ""}checksum=${checksum}`;
}

async function setup() {
  const server = await startServer({ WEBHOOK_ALLOW_PRIVATE_TARGETS: "true" });
  const api = apiClient(server);
  const account = await createAccount(api);
  const secret: string = (await api.get(`/v2/accounts/${account.id}`, { token: account.token }))
    .body.data.bbb_secret;
  const base = `${server.url}/v2/accounts/${account.id}/bigbluebutton/api`;
  const get = async (url: string) => {
    const res = await fetch(url);
    return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
  };
  return { server, api, account, secret, base, get };
}

describe("bbb-webhooks-compatible hooks API", () => {
  it("creates, lists and destroys hooks with BigBlueButton checksums and XML answers", async () => {
    const { base, secret, get } = await setup();
    const created = await get(
      bbbCall(
        base,
        "create",
        { callbackURL: "http://127.0.0.1:9/cb", meetingID: "room-1" },
        secret,
      ),
    );
    expect(created.status).toBe(200);
    expect(created.type).toMatch(/text\/xml/);
    const hookId = created.text.match(/<hookID>([^<]+)<\/hookID>/)?.[1];
    expect(created.text).toBe(
      `<response><returncode>SUCCESS</returncode><hookID>${hookId}</hookID><permanentHook>false</permanentHook><rawData>false</rawData></response>`,
    );

    const duplicate = await get(
      bbbCall(base, "create", { callbackURL: "http://127.0.0.1:9/cb" }, secret, "sha256"),
    );
    expect(duplicate.text).toContain(
      `<hookID>${hookId}</hookID><messageKey>duplicateWarning</messageKey>`,
    );

    const list = await get(bbbCall(base, "list", { meetingID: "room-1" }, secret));
    expect(list.text).toBe(
      `<response><returncode>SUCCESS</returncode><hooks><hook><hookID>${hookId}</hookID><callbackURL><![CDATA[http://127.0.0.1:9/cb]]></callbackURL><meetingID><![CDATA[room-1]]></meetingID><permanentHook>false</permanentHook><rawData>false</rawData></hook></hooks></response>`,
    );
    const otherMeeting = await get(bbbCall(base, "list", { meetingID: "room-2" }, secret));
    expect(otherMeeting.text).toBe(
      "<response><returncode>SUCCESS</returncode><hooks></hooks></response>",
    );

    const destroyed = await get(bbbCall(base, "destroy", { hookID: hookId ?? "" }, secret));
    expect(destroyed.text).toBe(
      "<response><returncode>SUCCESS</returncode><removed>true</removed></response>",
    );
    const again = await get(bbbCall(base, "destroy", { hookID: hookId ?? "" }, secret));
    expect(again.text).toContain("<messageKey>destroyMissingHook</messageKey>");
  });

  it("refuses a wrong checksum, another account's secret, and missing parameters", async () => {
    const { base, secret, get, api } = await setup();
    const other = await createAccount(api, "Other");
    const otherSecret = (await api.get(`/v2/accounts/${other.id}`, { token: other.token })).body
      .data.bbb_secret;
    const bad = await get(
      bbbCall(base, "create", { callbackURL: "http://127.0.0.1:9/cb" }, otherSecret),
    );
    expect(bad.text).toBe(
      "<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey><message>You did not pass the checksum security check.</message></response>",
    );
    const garbage = await get(`${base}/hooks/create?callbackURL=x&checksum=123`);
    expect(garbage.status).toBe(200);
    expect(garbage.text).toContain("checksumError");
    expect((await get(bbbCall(base, "create", {}, secret))).text).toContain(
      "missingParamCallbackURL",
    );
    expect((await get(bbbCall(base, "destroy", {}, secret))).text).toContain("missingParamHookID");
    expect((await get(`${base}/hooks/ping`)).text).toBe("bbb-webhooks API up!");
  });

  it("delivers bbb events, filtered by eventID, with the callback checksum", async () => {
    const { server, api, account, base, secret, get } = await setup();
    const received: Array<{ url: string; body: string }> = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        received.push({ url: req.url ?? "", body });
        res.end();
      });
    });
    await new Promise<void>((done) => receiver.listen(0, "127.0.0.1", done));
    onTestFinished(() => new Promise<void>((done) => receiver.close(() => done())));
    const callbackURL = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/bbb`;
    await get(bbbCall(base, "create", { callbackURL, eventID: "user-joined,user-left" }, secret));

    const conferenceId = await createConference(api, account);
    const ids = { accountId: account.id, conferenceId, callId: "call-1" };
    for (const [event, state] of [
      ["add-member", { participantId: 1 }],
      ["mute-member", { participantId: 1, speak: false }],
      ["del-member", { participantId: 1 }],
    ] as const) {
      const { routingKey, body } = currentFeedEvent(event, ids, state);
      server.memoryBus?.publishEvent(routingKey, body);
    }
    await expect.poll(() => received.length).toBe(2);
    const eventIds = received.map(
      (r) => JSON.parse(new URLSearchParams(r.body).get("event") ?? "[]")[0].data.id,
    );
    expect(eventIds).toEqual(["user-joined", "user-left"]);
    for (const r of received) {
      const checksum = createHash("sha1").update(`${callbackURL}${r.body}${secret}`).digest("hex");
      expect(r.url).toBe(`/bbb?checksum=${checksum}`);
    }
  });
});
