/**
 * ingest: N mixed conference events pre-loaded into parley's queue, then drained; events
 * committed per second. Baseline: a bare amqplib consumer draining the same number of messages
 * with the same prefetch, acknowledging only.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { forkWorker, startParley, tempDir, waitFor } from "../lib/process";
import { type Row, ratioOf } from "../lib/report";
import {
  brokerEnv,
  createAccount,
  dropTopology,
  feedEvent,
  publishAll,
  topology,
} from "../lib/setup";

/** Joins, talking, mutes and leaves over `conferences` conferences, in a realistic mix. */
export function mixedEvents(count: number, conferences: number, accountId: string) {
  const events: Array<{ routingKey: string; body: unknown }> = [];
  const cycle = [
    "add-member",
    "start-talking",
    "stop-talking",
    "mute-member",
    "unmute-member",
    "start-talking",
    "stop-talking",
    "del-member",
  ];
  for (let i = 0; events.length < count; i += 1) {
    const conference = `conf${(i % conferences).toString().padStart(6, "0")}`;
    const member = Math.floor(i / conferences);
    for (const name of cycle) {
      if (events.length >= count) {
        break;
      }
      events.push(
        feedEvent(name, accountId, conference, `call-${member}-${i % conferences}`, member + 1),
      );
    }
  }
  return events;
}

export async function ingest(quick: boolean): Promise<Row[]> {
  const count = quick ? 20_000 : 200_000;
  const names = topology();
  const dir = tempDir("ingest");
  const db = join(dir, "parley.db");
  const env = brokerEnv(names, db);

  // First start: declares the exchange and queue; the account must exist for events to apply.
  const first = await startParley(env);
  const account = await createAccount(first.url);
  await first.stop();

  const events = mixedEvents(count, 1000, account.id);
  await publishAll(names.exchange, events);

  const reader = () => new Database(db, { readonly: true, fileMustExist: true });
  const parley = await startParley(env, false);
  let firstAt = 0;
  let lastAt = 0;
  const store = reader();
  const count_ = store.prepare("SELECT count(*) AS n FROM events");
  await waitFor(
    () => {
      const { n } = count_.get() as { n: number };
      if (n > 0 && firstAt === 0) {
        firstAt = performance.now();
      }
      if (n >= count) {
        lastAt = performance.now();
        return true;
      }
      return false;
    },
    600_000,
    "parley to commit every event",
  );
  store.close();
  await parley.stop();
  const parleyRate = count / ((lastAt - firstAt) / 1000);

  // Baseline: the same messages through a bare consumer on a fresh queue.
  const bareQueue = `${names.queue}.bare`;
  const bare = forkWorker<{ rate: number }>("bare-consumer.ts");
  bare.send({ queue: bareQueue, exchange: names.exchange, expected: count, prefetch: 256 });
  await bare.next("ready");
  await publishAll(names.exchange, events);
  const { rate: bareRate } = await bare.next<{ rate: number }>("done");
  bare.stop();
  await dropTopology({ exchange: names.exchange, queue: names.queue });
  await dropTopology({ exchange: names.exchange, queue: bareQueue });

  const ratio = ratioOf(parleyRate, bareRate);
  return [
    {
      scenario: "ingest",
      figure: `${count.toLocaleString("en-US")} events committed`,
      unit: "ev/s",
      parley: parleyRate,
      baseline: bareRate,
      ratio,
      target: "≥ 0.6 × bare",
      met: ratio >= 0.6,
    },
  ];
}
