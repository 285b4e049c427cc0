/**
 * The pieces the process-level fault tests share: a read-only view of parley's event log, a
 * publisher that streams persistent events with broker confirms, and the "drained, each event
 * exactly once" check after a restart.
 */
import amqp from "amqplib";
import Database from "better-sqlite3";
import { expect, onTestFinished } from "vitest";
import { AMQP_URL, type BrokerProbe } from "./broker";

/** Reads parley's event log from outside the process, while it runs. */
export function openEventLog(dbPath: string) {
  const reader = new Database(dbPath, { readonly: true, fileMustExist: true });
  onTestFinished(() => {
    reader.close();
  });
  const count = (sql: string) => (reader.prepare(sql).get() as { n: number }).n;
  return {
    reader,
    logged: () => count("SELECT count(*) AS n FROM events"),
    distinctMessages: () => count("SELECT count(DISTINCT msg_id) AS n FROM events"),
  };
}

/**
 * Publishes `events` persistently in chunks of 500, waiting for the broker's confirms after each;
 * `published()` is how many are confirmed so far. With `pace`, never more than `ahead` events
 * ahead of what `applied()` reports: the stream lasts as long as parley takes to apply it, so a
 * node killed part-way dies while it is still coming in.
 */
export async function publishConfirmed(
  exchange: string,
  events: Array<{ routingKey: string; body: unknown }>,
  pace?: { applied: () => number; ahead: number },
) {
  const connection = await amqp.connect(AMQP_URL);
  onTestFinished(() => connection.close().catch(() => {}));
  const channel = await connection.createConfirmChannel();
  let published = 0;
  const done = (async () => {
    for (let from = 0; from < events.length; from += 500) {
      if (pace) {
        await expect
          .poll(pace.applied, { timeout: 60_000, interval: 20, message: "parley stopped applying" })
          .toBeGreaterThanOrEqual(from - pace.ahead);
      }
      for (const { routingKey, body } of events.slice(from, from + 500)) {
        channel.publish(exchange, routingKey, Buffer.from(JSON.stringify(body)), {
          persistent: true,
          contentType: "application/json",
        });
      }
      await channel.waitForConfirms();
      published = Math.min(from + 500, events.length);
    }
  })();
  // Awaited by the caller; this only keeps an early failure from surfacing as an unhandled rejection.
  done.catch(() => {});
  return { channel, done, published: () => published };
}

/** After a restart: the queue drains, every event is logged once, nothing was dead-lettered. */
export async function expectDrainedOnce(options: {
  log: ReturnType<typeof openEventLog>;
  channel: amqp.ConfirmChannel;
  queue: string;
  probe: BrokerProbe;
  total: number;
  timeout: number;
}): Promise<void> {
  const { log, channel, queue, probe, total, timeout } = options;
  await expect.poll(log.logged, { timeout, interval: 50 }).toBe(total);
  await expect
    .poll(async () => (await channel.checkQueue(queue)).messageCount, { timeout: 10_000 })
    .toBe(0);
  expect(log.distinctMessages()).toBe(total);
  expect(await probe.drainDeadLetters()).toHaveLength(0);
}
