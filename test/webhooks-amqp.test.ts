import { describe, expect, it } from "vitest";
import { apiClient, createAccount, createConference } from "./helpers/api";
import { startBrokerServer } from "./helpers/broker";
import { currentFeedEvent, hexId, legacyRoutingKey, seedExampleEvent } from "./helpers/events";
import { type ReceivedRequest, startReceiver } from "./helpers/receiver";
import { createWebhook, jsonBody, listDeliveries, typeOf, verifyRequest } from "./helpers/webhooks";

describe("webhooks over RabbitMQ", () => {
  it("turns an event published on the broker into signed deliveries", async () => {
    const { server, probe } = await startBrokerServer(undefined, {
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    });
    const api = apiClient(server);
    const account = await createAccount(api);
    const receiver = await startReceiver();
    const hook = await createWebhook(api, account, {
      url: `${receiver.url}/hook`,
      event_types: ["meeting.started", "meeting.participantJoined"],
    });
    const conferenceId = await createConference(api, account, { name: "Broker Room" });
    const { routingKey, body } = currentFeedEvent(
      "add-member",
      { accountId: account.id, conferenceId, callId: "call-7" },
      { participantId: 7 },
    );
    probe.publish(routingKey, body);

    const got = await receiver.waitFor(2);
    expect(got.map(typeOf)).toEqual(["meeting.started", "meeting.participantJoined"]);
    for (const request of got) {
      expect(request.method).toBe("POST");
      expect(request.headers["webhook-id"]).toMatch(/^msg_/);
      expect(verifyRequest(request, hook.secret)).toEqual(JSON.parse(request.body));
    }
    const joined = jsonBody(got[1] as ReceivedRequest);
    expect(joined.data).toMatchObject({
      event: "meeting.participantJoined",
      meeting: { id: conferenceId, title: "Broker Room", organizedBy: { id: account.id } },
      participant: { peerId: "call-7", userDisplayName: "Caller 7" },
    });
    await expect
      .poll(async () => (await listDeliveries(api, account, hook.id)).map((d) => d.status).join())
      .toBe("succeeded,succeeded");
    const ids = (await listDeliveries(api, account, hook.id)).map((d) => d.id).sort();
    expect(ids).toEqual(got.map((r) => r.headers["webhook-id"]).sort());
  });

  it("posts seed 003's broker message, normalised, once to a raw subscription", async () => {
    const { server, probe } = await startBrokerServer(undefined, {
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    });
    const api = apiClient(server);
    const account = await createAccount(api);
    const receiver = await startReceiver();
    const hook = await createWebhook(api, account, {
      url: `${receiver.url}/raw`,
      format: "raw",
      event_types: ["*"],
    });
    const conferenceId = hexId();
    const event = seedExampleEvent({ accountId: account.id, conferenceId });
    probe.publish(legacyRoutingKey(conferenceId, "934800819"), event);
    probe.publish(
      legacyRoutingKey(conferenceId, "934800819"),
      seedExampleEvent({ accountId: account.id, conferenceId, event: "mute-member" }),
    );

    // The mute's delivery comes after everything the add-member caused.
    await receiver.waitFor(1, (r) => jsonBody(r).event === "mute-member");
    expect(receiver.requests.map((r) => jsonBody(r).event)).toEqual(["add-member", "mute-member"]);
    const [join] = receiver.requests as [ReceivedRequest];
    expect(join.headers["content-type"]).toBe("application/json");
    expect(verifyRequest(join, hook.secret)).toEqual(JSON.parse(join.body));
    // Seed 003's body is snake_case already; Kazoo's private `node` field may be left out.
    const { node: _node, ...publicFields } = event;
    expect(jsonBody(join)).toMatchObject(publicFields);
    expect(await listDeliveries(api, account, hook.id)).toHaveLength(2);
  });
});
