/**
 * How the webhook scenarios time a rig (webhook-rig.ts), the same way for parley and the bare
 * sender: a drain (events published at once, first publish → last verified delivery) and a
 * steady phase (events at a fixed rate, publish → receiver for every delivery).
 */
import amqp from "amqplib";
import { AMQP_URL, forkWorker } from "../lib/process";
import { feedEvent } from "../lib/setup";
import type { Member, ReceiverStatus, Receivers, Rig } from "./webhook-rig";

const now = () => performance.timeOrigin + performance.now();

/** What a drain measured. */
export interface Drain {
  /** Unique verified deliveries per second, first publish → last verified delivery. */
  rate: number;
  seconds: number;
  missing: number;
  unverified: number;
  /** Deliveries received again with a `webhook-id` already seen. */
  duplicates: number;
}

/** What a steady phase measured. */
export interface Steady {
  p50: number;
  p99: number;
  published: number;
  missing: number;
  unverified: number;
}

/**
 * `count` mute/unmute toggles round-robin over `members` (each starts unmuted, so its toggles
 * alternate mute, unmute…); every member gets `count / members.length` of them.
 */
export function toggles(members: Member[], count: number, accountId: string) {
  if (count % members.length !== 0) {
    throw new Error(`${count} toggles do not divide over ${members.length} participants`);
  }
  return Array.from({ length: count }, (_, i) => {
    const member = members[i % members.length] as Member;
    const mute = Math.floor(i / members.length) % 2 === 0;
    return feedEvent(
      mute ? "mute-member" : "unmute-member",
      accountId,
      member.conference,
      member.callId,
      1,
    );
  });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** Waits until `expected` unique deliveries arrived, or nothing new came for `stallMs`. */
async function settle(
  receivers: Receivers,
  expected: number,
  stallMs: number,
): Promise<ReceiverStatus> {
  let seen = -1;
  let since = Date.now();
  for (;;) {
    const status = await receivers.status();
    if (status.unique >= expected) {
      return status;
    }
    if (status.unique !== seen) {
      seen = status.unique;
      since = Date.now();
    } else if (Date.now() - since > stallMs) {
      process.stderr.write(
        `bench: gave up waiting after ${stallMs / 1000} s without a delivery: ${status.unique} of ${expected} arrived\n`,
      );
      return status;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Publishes `events` with publisher confirms, a window at a time (as setup.ts's publishAll), and
 * returns when the first was published: the connection's set-up is not part of the drain.
 */
async function publishTimed(
  exchange: string,
  events: Array<{ routingKey: string; body: unknown }>,
): Promise<number> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createConfirmChannel();
    await channel.assertExchange(exchange, "topic", { durable: true });
    const contents = events.map((e) => Buffer.from(JSON.stringify(e.body)));
    const started = now();
    const window = 5000;
    for (let i = 0; i < events.length; i += window) {
      for (let j = i; j < Math.min(events.length, i + window); j += 1) {
        const content = contents[j] as Buffer;
        channel.publish(exchange, events[j]?.routingKey ?? "", content, { persistent: true });
      }
      await channel.waitForConfirms();
    }
    return started;
  } finally {
    await connection.close();
  }
}

/** Publishes `events` at once and times them until every one of `expected` deliveries is in. */
export async function drain(
  rig: Rig,
  events: Array<{ routingKey: string; body: unknown }>,
  expected: number,
): Promise<Drain> {
  await rig.receivers.reset();
  const started = await publishTimed(rig.exchange, events);
  const status = await settle(rig.receivers, expected, 30_000);
  const seconds = (status.last - started) / 1000;
  return {
    rate: status.unique / seconds,
    seconds,
    missing: expected - status.unique,
    unverified: status.unverified,
    duplicates: status.received - status.unique - status.unverified,
  };
}

/**
 * Publishes toggles at `rate` events/s for `seconds` (from a separate process), waits for their
 * deliveries, and pairs the k-th arrival about a conference at an endpoint with the k-th publish
 * for that conference: publish → receiver, p50 and p99 over every delivery.
 */
export async function steady(
  rig: Rig,
  options: {
    members: Member[];
    endpoints: number;
    /** Toggles each member already had (the drain's share). */
    firstToggle: number;
    rate: number;
    seconds: number;
  },
): Promise<Steady> {
  await rig.receivers.reset();
  const publisher = forkWorker("webhook-publisher.ts");
  let published: { published: number; times: Record<string, number[]> };
  try {
    const done = publisher.next<typeof published>("done");
    publisher.send({
      exchange: rig.exchange,
      accountId: rig.accountId,
      members: options.members,
      firstToggle: options.firstToggle,
      rate: options.rate,
      seconds: options.seconds,
    });
    published = await done;
  } finally {
    publisher.stop();
  }
  const expected = published.published * options.endpoints;
  const status = await settle(rig.receivers, expected, 30_000);
  const delays: number[] = [];
  for (const [key, arrived] of Object.entries(await rig.receivers.arrivals())) {
    const sent = published.times[key.slice(key.indexOf("|") + 1)] ?? [];
    arrived.sort((a, b) => a - b);
    for (let k = 0; k < Math.min(arrived.length, sent.length); k += 1) {
      delays.push((arrived[k] ?? 0) - (sent[k] ?? 0));
    }
  }
  delays.sort((a, b) => a - b);
  return {
    p50: percentile(delays, 50),
    p99: percentile(delays, 99),
    published: published.published,
    missing: expected - status.unique,
    unverified: status.unverified,
  };
}
