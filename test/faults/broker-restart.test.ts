import amqp from "amqplib";
import { afterAll, describe, expect, it } from "vitest";
import { apiClient, createAccount, createConference } from "../helpers/api";
import { AMQP_URL, startBrokerServer } from "../helpers/broker";
import { currentFeedEvent, hexId } from "../helpers/events";
import { startBroker, stopBroker } from "../helpers/rabbitmqctl";

/** Publishes persistent events with publisher confirms, as a careful media server would. */
async function publishConfirmed(
  exchange: string,
  events: Array<{ routingKey: string; body: unknown }>,
) {
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createConfirmChannel();
  for (const { routingKey, body } of events) {
    channel.publish(exchange, routingKey, Buffer.from(JSON.stringify(body)), { persistent: true });
  }
  await channel.waitForConfirms();
  await connection.close();
}

describe("broker restart", () => {
  afterAll(async () => {
    // Leave the broker running for whatever comes next, even if the test failed midway.
    await startBroker().catch(() => {});
  });

  it("reconnects by itself, reports the outage, answers 503 meanwhile, and loses no event", async () => {
    const { server, topology } = await startBrokerServer();
    const api = apiClient(server);
    const account = await createAccount(api);
    const conferenceId = await createConference(api, account);
    const stream = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) =>
        currentFeedEvent(
          i % 2 === 0 ? "start-talking" : "stop-talking",
          {
            accountId: account.id,
            conferenceId,
            callId: `call-${(from + i) % 20}`,
            msgId: hexId(8),
          },
          { participantId: (from + i) % 20, talking: i % 2 === 0 },
        ),
      );
    const total = () =>
      (
        server.store.sqlite
          .prepare("SELECT count(*) AS n FROM events WHERE conference_id = ?")
          .get(conferenceId) as { n: number }
      ).n;

    await publishConfirmed(topology.exchange, stream(0, 10_000));
    const atStop = total();
    await stopBroker();

    await expect
      .poll(async () => (await fetch(`${server.url}/readyz`)).status, { timeout: 15_000 })
      .toBe(503);
    const started = Date.now();
    const action = await api.put(`/v2/accounts/${account.id}/conferences/${conferenceId}`, {
      token: account.token,
      body: { data: { action: "lock" } },
    });
    expect(action.status).toBe(503);
    expect(action.body).toMatchObject({
      status: "error",
      error: "503",
      message: "service_unavailable",
    });
    expect(Date.now() - started).toBeLessThan(5000);

    await startBroker();
    const back = Date.now();
    await expect
      .poll(async () => (await fetch(`${server.url}/readyz`)).status, {
        timeout: 10_000,
        interval: 50,
      })
      .toBe(200);
    const reconnectMs = Date.now() - back;
    expect(reconnectMs).toBeLessThan(5000);

    await publishConfirmed(topology.exchange, stream(10_000, 11_000));
    await expect.poll(total, { timeout: 30_000, interval: 50 }).toBe(11_000);
    console.info(
      `broker restart: 11000 events published, ${atStop} logged when the broker stopped, 11000 logged in the end, reconnected in ${reconnectMs} ms`,
    );
  });
});
