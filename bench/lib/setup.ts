/**
 * Shared set-up for scenarios: an account with a token on a running parley, unique AMQP names,
 * and a confirm-channel publisher of Kazoo current-feed events.
 */
import { randomBytes } from "node:crypto";
import amqp from "amqplib";
import { workLeaseNames } from "../../server/assemble/bus";
import { ADMIN_TOKEN, AMQP_URL } from "./process";

export interface BenchAccount {
  id: string;
  token: string;
}

export const ACCOUNT_ID = "0123456789abcdef0123456789abcdef";

export async function createAccount(url: string, id = ACCOUNT_ID): Promise<BenchAccount> {
  const created = await fetch(`${url}/v2/accounts`, {
    method: "PUT",
    headers: { "X-Auth-Token": ADMIN_TOKEN },
    body: JSON.stringify({ data: { name: "bench", id } }),
  }).then((r) => r.json() as Promise<{ data: { api_key: string } }>);
  const auth = await fetch(`${url}/v2/api_auth`, {
    method: "PUT",
    body: JSON.stringify({ data: { api_key: created.data.api_key } }),
  }).then((r) => r.json() as Promise<{ auth_token: string }>);
  return { id, token: auth.auth_token };
}

export function topology(): { exchange: string; queue: string } {
  const id = randomBytes(4).toString("hex");
  return { exchange: `parley.bench.${id}`, queue: `parley.bench.${id}.events` };
}

/** Kazoo's current-feed event for a participant. */
export function feedEvent(
  event: string,
  accountId: string,
  conferenceId: string,
  callId: string,
  member: number,
  extra: Record<string, unknown> = {},
): { routingKey: string; body: Record<string, unknown> } {
  return {
    routingKey: `conference.event.${event}.${accountId}.${conferenceId}.${callId}`,
    body: {
      "Account-ID": accountId,
      "App-Name": "ecallmgr",
      "App-Version": "4.3.0",
      "Call-ID": callId,
      "Caller-ID-Name": `Caller ${member}`,
      "Caller-ID-Number": String(1000 + member),
      "Conference-ID": conferenceId,
      "Custom-Channel-Vars": { "Account-ID": accountId },
      "Conference-Channel-Vars": {
        "Current-Energy": 0,
        "Energy-Level": 20,
        Floor: false,
        Hear: event !== "deaf-member",
        "Is-Moderator": false,
        "Member-ID": member,
        "Mute-Detect": false,
        Speak: event !== "mute-member",
        Talking: event === "start-talking",
        Video: false,
      },
      Event: event,
      "Event-Category": "conference",
      "Event-Name": "event",
      "Instance-ID": `instance-${conferenceId}`,
      "Msg-ID": randomBytes(8).toString("hex"),
      "Participant-ID": member,
      ...extra,
    },
  };
}

/** Publishes events with publisher confirms, a window at a time. */
export async function publishAll(
  exchange: string,
  events: Array<{ routingKey: string; body: unknown }>,
): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createConfirmChannel();
  await channel.assertExchange(exchange, "topic", { durable: true });
  const window = 5000;
  for (let i = 0; i < events.length; i += window) {
    for (const { routingKey, body } of events.slice(i, i + window)) {
      channel.publish(exchange, routingKey, Buffer.from(JSON.stringify(body)), {
        persistent: true,
      });
    }
    await channel.waitForConfirms();
  }
  await connection.close();
}

/** Removes a topology after a scenario. */
export async function dropTopology(names: { exchange: string; queue: string }): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  const leases = workLeaseNames(4).map((name) => `${names.queue}.lease.${name}`);
  for (const queue of [names.queue, `${names.queue}.dead`, `${names.queue}.log`, ...leases]) {
    await channel.deleteQueue(queue).catch(() => {});
  }
  await channel.deleteExchange(names.exchange).catch(() => {});
  await connection.close().catch(() => {});
}

/** The environment of a parley on RabbitMQ with its own exchange, queue and database file. */
export function brokerEnv(
  names: { exchange: string; queue: string },
  database: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PARLEY_DB: database,
    AMQP_URL,
    AMQP_EXCHANGE: names.exchange,
    AMQP_QUEUE: names.queue,
    // Every load client connects from 127.0.0.1: lift the per-address WebSocket limit.
    WS_MAX_CONNECTIONS_PER_IP: "100000",
    ...extra,
  };
}
