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
  ACCOUNT_ID,
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

/** Events committed per second by parley draining `events` pre-loaded into its queue. */
async function parleyIngestRate(
  events: Array<{ routingKey: string; body: unknown }>,
  sync: "full" | "normal",
): Promise<number> {
  const count = events.length;
  const names = topology();
  const dir = tempDir(`ingest-${sync}`);
  const db = join(dir, "parley.db");
  const env = brokerEnv(names, db, { PARLEY_DB_SYNC: sync });

  // First start: declares the exchange and queue; the account must exist for events to apply.
  const first = await startParley(env);
  await createAccount(first.url);
  await first.stop();
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
  await dropTopology(names);
  return count / ((lastAt - firstAt) / 1000);
}

export async function ingest(quick: boolean): Promise<Row[]> {
  const count = quick ? 20_000 : 200_000;
  const events = mixedEvents(count, 1000, ACCOUNT_ID);
  // Durable by default (every commit synced), then with PARLEY_DB_SYNC=normal: what FULL costs.
  const fullRate = await parleyIngestRate(events, "full");
  const normalRate = await parleyIngestRate(events, "normal");

  // Baseline: the same messages through a bare consumer on a fresh queue.
  const names = topology();
  const bareQueue = `${names.queue}.bare`;
  const bare = forkWorker<{ rate: number }>("bare-consumer.ts");
  bare.send({ queue: bareQueue, exchange: names.exchange, expected: count, prefetch: 256 });
  await bare.next("ready");
  await publishAll(names.exchange, events);
  const { rate: bareRate } = await bare.next<{ rate: number }>("done");
  bare.stop();
  await dropTopology({ exchange: names.exchange, queue: bareQueue });

  const row = (sync: "full" | "normal", rate: number): Row => {
    const ratio = ratioOf(rate, bareRate);
    return {
      scenario: "ingest",
      figure: `${count.toLocaleString("en-US")} events committed, PARLEY_DB_SYNC=${sync}`,
      unit: "ev/s",
      parley: rate,
      baseline: bareRate,
      ratio,
      target: "≥ 0.6 × bare",
      met: ratio >= 0.6,
    };
  };
  return [row("full", fullRate), row("normal", normalRate)];
}
