/**
 * ingest: N mixed conference events pre-loaded into parley's queue, then drained; events committed
 * per second. Baseline: the broker hops parley makes, alone (bench/load/bare-pipeline.ts): consume
 * with parley's prefetch, append each batch to a stream with a confirm, read it back, ack.
 *
 * Both sides are measured the same way: their commit counter (`parley_events_ingested_total`,
 * `bare_events_committed_total`) scraped from `/metrics` every POLL_MS, rate = events after the
 * first poll that saw a commit ÷ time from that poll to the last commit.
 *
 * One publish per repetition loads all three sides' queues (`load`); each side then drains its
 * own, in turn, with the others' queues idle in the broker.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import amqp from "amqplib";
import { AMQP_URL, forkWorker, startParley, tempDir } from "../lib/process";
import { commitRate } from "../lib/progress";
import type { Scenario } from "../lib/scenario";
import {
  ACCOUNT_ID,
  brokerEnv,
  createAccount,
  dropTopology,
  feedEvent,
  publishAll,
  topology,
} from "../lib/setup";

/** Scrape interval of both sides' commit counters. */
const POLL_MS = 100;
/** parley's source prefetch (server/amqp/rabbitmq.ts, `prefetch ?? 500`). */
const PREFETCH = 500;
/** parley's log stream read prefetch (server/amqp/stream-log.ts, `prefetch ?? 1000`). */
const STREAM_PREFETCH = 1000;
/** parley's MAX_BATCHES_IN_FLIGHT (server/domain/ingest.ts). */
const BATCHES_IN_FLIGHT = 2;

type Events = Array<{ routingKey: string; body: unknown }>;

/** Joins, talking, mutes and leaves over `conferences` conferences, in a realistic mix. */
export function mixedEvents(count: number, conferences: number, accountId: string): Events {
  const events: Events = [];
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

type Side = "parley:full" | "parley:normal" | "bare";
const SIDES: Side[] = ["parley:full", "parley:normal", "bare"];

/** A side's pre-loaded queue (and for parley, its database and environment). */
interface Loaded {
  names: { exchange: string; queue: string };
  dir?: string;
  env?: Record<string, string>;
}

/** Declares a queue and its log stream as parley does (server/amqp/rabbit-link.ts, stream-log.ts). */
async function declareLikeParley(names: { exchange: string; queue: string }): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    const dead = `${names.queue}.dead`;
    await channel.assertExchange(names.exchange, "topic", { durable: true });
    await channel.assertQueue(dead, { durable: true });
    await channel.assertQueue(names.queue, {
      durable: true,
      arguments: {
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": dead,
        "x-single-active-consumer": true,
      },
    });
    await channel.bindQueue(names.queue, names.exchange, "conference.event.#");
    await channel.assertQueue(`${names.queue}.log`, {
      durable: true,
      arguments: { "x-queue-type": "stream", "x-max-age": "7D" },
    });
  } finally {
    await connection.close();
  }
}

async function drop(loaded: Loaded): Promise<void> {
  await dropTopology(loaded.names);
  if (loaded.dir) {
    rmSync(loaded.dir, { recursive: true, force: true });
  }
}

/**
 * Every side's queue of one repetition, bound to one exchange and loaded by a single publish of
 * `events`: the broker stores each message once per queue, which takes far less time than three
 * publishes. parley's queues are declared by parley's own first start, which also creates the
 * account the events belong to; the bare queue is declared with the same arguments.
 */
async function load(events: Events): Promise<Map<Side, Loaded>> {
  const { exchange } = topology();
  const loaded = new Map<Side, Loaded>();
  try {
    for (const side of SIDES) {
      const names = { exchange, queue: `${exchange}.${side.replace(":", "-")}.events` };
      if (side === "bare") {
        await declareLikeParley(names);
        loaded.set(side, { names });
        continue;
      }
      const dir = tempDir(`ingest-${side.replace(":", "-")}`);
      const sync = side === "parley:full" ? "full" : "normal";
      const env = brokerEnv(names, join(dir, "parley.db"), { PARLEY_DB_SYNC: sync });
      loaded.set(side, { names, dir, env });
      const first = await startParley(env);
      try {
        await createAccount(first.url);
      } finally {
        await first.stop();
      }
    }
    await publishAll(exchange, events);
  } catch (error) {
    await Promise.all([...loaded.values()].map(drop));
    throw error;
  }
  return loaded;
}

/** Drains a loaded queue with parley or the bare pipeline and returns the commit rate. */
async function drain(side: Side, loaded: Loaded, expected: number): Promise<number> {
  if (side !== "bare" && loaded.env) {
    const parley = await startParley(loaded.env, false);
    try {
      const alive = () => parley.child.exitCode === null;
      const url = `${parley.url}/metrics`;
      const metric = "parley_events_ingested_total";
      return (await commitRate(url, metric, expected, POLL_MS, 600_000, alive)).rate;
    } finally {
      await parley.stop();
    }
  }
  const bare = forkWorker<{ url: string }>("bare-pipeline.ts");
  try {
    bare.send({
      queue: loaded.names.queue,
      stream: `${loaded.names.queue}.log`,
      prefetch: PREFETCH,
      streamPrefetch: STREAM_PREFETCH,
      inFlight: BATCHES_IN_FLIGHT,
    });
    const { url } = await bare.next<{ url: string }>("ready");
    const alive = () => bare.child.exitCode === null;
    const metric = "bare_events_committed_total";
    return (await commitRate(url, metric, expected, POLL_MS, 600_000, alive)).rate;
  } finally {
    bare.stop();
  }
}

/** Durable by default (every commit synced), and with PARLEY_DB_SYNC=normal: what FULL costs. */
export const ingest: Scenario = {
  name: "ingest",
  describe:
    "events pre-loaded into the queue, drained: commits/s (PARLEY_DB_SYNC=full and normal) vs a bare consume → stream append (confirmed) → read back → ack pipeline",
  async prepare(quick) {
    const count = quick ? 10_000 : 100_000;
    const events = mixedEvents(count, 1000, ACCOUNT_ID);
    const n = count.toLocaleString("en-US");
    const repetitions = new Map<number, Map<Side, Loaded>>();
    return [
      {
        sides: SIDES,
        run: async (side, repetition) => {
          // The repetition's first side loads every side's queue at once.
          const queues = repetitions.get(repetition) ?? (await load(events));
          repetitions.set(repetition, queues);
          const loaded = queues.get(side as Side);
          if (!loaded) {
            throw new Error(`no loaded queue for ${side} in repetition ${repetition}`);
          }
          queues.delete(side as Side);
          try {
            return { rate: await drain(side as Side, loaded, events.length) };
          } finally {
            await drop(loaded);
          }
        },
        dispose: async () => {
          for (const queues of repetitions.values()) {
            await Promise.all([...queues.values()].map(drop));
          }
        },
        figures: [
          {
            label: `${n} events committed, PARLEY_DB_SYNC=full`,
            unit: "ev/s",
            parley: { side: "parley:full", key: "rate" },
            baseline: { side: "bare", key: "rate" },
            target: "≥ 0.75 × bare",
            met: (_p, _b, ratio) => ratio !== null && ratio >= 0.75,
          },
          {
            label: `${n} events committed, PARLEY_DB_SYNC=normal`,
            unit: "ev/s",
            parley: { side: "parley:normal", key: "rate" },
            baseline: { side: "bare", key: "rate" },
          },
        ],
      },
    ];
  },
};
