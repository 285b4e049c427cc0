/**
 * retention: what pruning a large backlog of expired event-log rows costs ingest. Both sides are
 * parley, started as `npm start` starts it with `PARLEY_EVENT_RETENTION=1D`, on a database whose
 * event log already holds M rows (1,000,000; 100,000 with --quick) written straight into the
 * SQLite file, and a queue pre-loaded with N events (100,000; 10,000) to drain, as in `ingest`:
 *
 * - `parley:pruning`: the M rows were received 30 days ago, so retention removes them (in
 *   batches of 500, one after another while batches come back full) while the queue drains;
 * - `parley:idle`: the same M rows, received just now: nothing is due, nothing is pruned.
 *
 * The sides differ only in the rows' `received_at`. Both are measured the same way:
 * `parley_events_ingested_total` scraped every POLL_MS, rate = events after the first poll that
 * saw a commit ÷ time from that poll to the last commit (bench/lib/progress.ts's method), with
 * `parley_retention_pruned_rows_total{table="events"}` read from the same scrapes.
 *
 * Each run drains its own copy of its side's database (pruning consumes the rows): the expired
 * one is built once and the idle one copied from it with its rows re-timed; each run copies its
 * side's and starts parley on it once with retention off (both sides at once), which creates the
 * account and declares the queue; one publish then loads the repetition's two queues.
 */
import { randomBytes } from "node:crypto";
import { copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { openStore } from "../../server/db/open";
import { startParley, tempDir } from "../lib/process";
import { counterValue } from "../lib/progress";
import { compare, type Scenario } from "../lib/scenario";
import {
  ACCOUNT_ID,
  brokerEnv,
  createAccount,
  dropTopology,
  publishAll,
  topology,
} from "../lib/setup";
import { mixedEvents } from "./ingest";

const POLL_MS = 100;
const DAY = 86_400_000;
const RETENTION = "1D";
const INGESTED = "parley_events_ingested_total";
const PRUNED = 'parley_retention_pruned_rows_total{table="events"}';

type Side = "parley:pruning" | "parley:idle";
const SIDES: Side[] = ["parley:pruning", "parley:idle"];

/** A normalised current-feed body as parley stores it (about 750 bytes, as real rows are). */
function storedBody(i: number): string {
  const member = (i % 7) + 1;
  return JSON.stringify({
    account_id: ACCOUNT_ID,
    app_name: "ecallmgr",
    app_version: "4.3.0",
    conference_id: `old${(i % 1000).toString().padStart(6, "0")}`,
    event: "start-talking",
    event_category: "conference",
    event_name: "event",
    instance_id: "d5765180-53d5-4104-860e-b352f3f8e6b1",
    msg_id: `old-${i}`,
    call_id: `call-${member}`,
    caller_id_name: `Caller ${member}`,
    caller_id_number: String(1000 + member),
    channel_presence_id: `${1000 + member}@kamailio.kazoo`,
    participant_id: member,
    custom_channel_vars: { account_id: ACCOUNT_ID, username: `sip${member}` },
    conference_channel_vars: {
      current_energy: 0,
      energy_level: 20,
      floor: false,
      hear: true,
      is_moderator: false,
      member_ghost: false,
      member_id: member,
      mute_detect: false,
      see: true,
      speak: true,
      talking: true,
      video: false,
    },
  });
}

/** A migrated parley database whose event log holds `rows` events received at `receivedAt`. */
async function buildDatabase(path: string, rows: number, receivedAt: number): Promise<void> {
  await openStore(path).close();
  const db = new Database(path);
  try {
    db.pragma("synchronous = OFF");
    const insert = db.prepare(
      `INSERT INTO events (msg_id, digest, account_id, conference_id, call_id, name, routing_key, body, received_at)
       VALUES (?, ?, ?, ?, ?, 'start-talking', ?, ?, ?)`,
    );
    const salt = randomBytes(4).toString("hex");
    const chunk = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i += 1) {
        const conference = `old${(i % 1000).toString().padStart(6, "0")}`;
        const call = `call-${(i % 7) + 1}`;
        const key = `conference.event.start-talking.${ACCOUNT_ID}.${conference}.${call}`;
        const body = storedBody(i);
        insert.run(
          `old-${salt}-${i}`,
          `d${i}`,
          ACCOUNT_ID,
          conference,
          call,
          key,
          body,
          receivedAt,
        );
      }
    });
    for (let i = 0; i < rows; i += 50_000) {
      chunk(i, Math.min(rows, i + 50_000));
    }
    db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
}

/** A copy of `from` whose events were all received at `receivedAt`. */
function retimed(from: string, to: string, receivedAt: number): void {
  copyFileSync(from, to);
  const db = new Database(to);
  try {
    db.pragma("synchronous = OFF");
    db.prepare("UPDATE events SET received_at = ?").run(receivedAt);
    db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
}

/** What one drain measured. */
interface Drain {
  /** Events committed per second (the `ingest` scenario's method). */
  rate: number;
  /** Old rows removed between the first poll that saw a commit and the last commit. */
  prunedDuring: number;
  /** Those rows ÷ that time. */
  pruneRate: number;
  /** Old rows removed by the time the last event was committed, from start-up on. */
  prunedBy: number;
}

/** Starts parley on a loaded queue and scrapes both counters until `expected` are committed. */
async function drain(env: Record<string, string>, expected: number): Promise<Drain> {
  const parley = await startParley(env, false);
  try {
    const polls: Array<{ at: number; n: number; pruned: number }> = [];
    const deadline = performance.now() + 600_000;
    for (;;) {
      const sent = performance.now();
      const text = await fetch(`${parley.url}/metrics`).then((r) => r.text());
      const at = (sent + performance.now()) / 2;
      const n = counterValue(text, INGESTED);
      const pruned = counterValue(text, PRUNED);
      if (n > 0) {
        polls.push({ at, n, pruned });
      }
      if (n >= expected) {
        break;
      }
      if (parley.child.exitCode !== null || performance.now() > deadline) {
        throw new Error(`${INGESTED} reached ${n} of ${expected}`);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, POLL_MS - (performance.now() - sent))));
    }
    const [first, before, last] = [polls[0], polls.at(-2), polls.at(-1)];
    if (!first || !before || !last || first === last) {
      throw new Error("every event committed before the second poll, too fast to measure");
    }
    const end = before.at + ((expected - before.n) / (last.n - before.n)) * (last.at - before.at);
    const seconds = (end - first.at) / 1000;
    const prunedDuring = last.pruned - first.pruned;
    return {
      rate: (expected - first.n) / seconds,
      prunedDuring,
      pruneRate: prunedDuring / seconds,
      prunedBy: last.pruned,
    };
  } finally {
    await parley.stop();
  }
}

interface Loaded {
  dir: string;
  names: { exchange: string; queue: string };
  env: Record<string, string>;
}

async function drop(loaded: Loaded): Promise<void> {
  await dropTopology(loaded.names);
  rmSync(loaded.dir, { recursive: true, force: true });
}

export const retention: Scenario = {
  name: "retention",
  describe:
    "events pre-loaded into the queue, drained while retention prunes a large backlog of expired event-log rows vs the same drain with the same rows not yet due",
  async prepare(quick) {
    const rows = quick ? 100_000 : 1_000_000;
    const count = quick ? 10_000 : 100_000;
    const events = mixedEvents(count, 1000, ACCOUNT_ID);
    const templates = tempDir("retention");
    const template: Record<Side, string> = {
      "parley:pruning": join(templates, "expired.db"),
      "parley:idle": join(templates, "recent.db"),
    };
    try {
      const now = Date.now();
      await buildDatabase(template["parley:pruning"], rows, now - 30 * DAY);
      retimed(template["parley:pruning"], template["parley:idle"], now);
    } catch (error) {
      rmSync(templates, { recursive: true, force: true });
      throw error;
    }

    /** Both sides' copies, queues declared by parley and loaded by one publish. */
    const load = async (): Promise<Map<Side, Loaded>> => {
      const { exchange } = topology();
      const loaded = new Map<Side, Loaded>();
      try {
        for (const side of SIDES) {
          const dir = tempDir(`retention-${side.replace(":", "-")}`);
          const names = { exchange, queue: `${exchange}.${side.replace(":", "-")}.events` };
          const database = join(dir, "parley.db");
          copyFileSync(template[side], database);
          const env = brokerEnv(names, database, { PARLEY_EVENT_RETENTION: RETENTION });
          loaded.set(side, { dir, names, env });
        }
        // Retention off for these starts: they only create the account and declare the queues.
        await Promise.all(
          [...loaded.values()].map(async ({ env }) => {
            const first = await startParley({ ...env, PARLEY_EVENT_RETENTION: "0" });
            try {
              await createAccount(first.url);
            } finally {
              await first.stop();
            }
          }),
        );
        await publishAll(exchange, events);
      } catch (error) {
        await Promise.all([...loaded.values()].map(drop));
        throw error;
      }
      return loaded;
    };

    const repetitions = new Map<number, Map<Side, Loaded>>();
    const n = count.toLocaleString("en-US");
    const m = rows.toLocaleString("en-US");
    return [
      {
        sides: SIDES,
        run: async (side, repetition) => {
          const queues = repetitions.get(repetition) ?? (await load());
          repetitions.set(repetition, queues);
          const loaded = queues.get(side as Side);
          if (!loaded) {
            throw new Error(`no loaded queue for ${side} in repetition ${repetition}`);
          }
          queues.delete(side as Side);
          try {
            const result = await drain(loaded.env, events.length);
            if (side === "parley:idle" && result.prunedBy > 0) {
              throw new Error(`parley:idle pruned ${result.prunedBy} rows that were not due`);
            }
            return { ...result };
          } finally {
            await drop(loaded);
          }
        },
        dispose: async () => {
          for (const queues of repetitions.values()) {
            await Promise.all([...queues.values()].map(drop));
          }
          rmSync(templates, { recursive: true, force: true });
        },
        figures: [
          {
            ...compare("rate", "parley:pruning", "parley:idle"),
            label: `${n} events committed while pruning ${m} expired rows (baseline: the same rows, not due)`,
            unit: "ev/s",
            target: "≥ 0.9 × idle",
            met: (_p, _b, ratio) => ratio !== null && ratio >= 0.9,
          },
          {
            parley: { side: "parley:pruning", key: "prunedDuring" },
            label: `expired rows pruned while the ${n} events were committed (of ${m})`,
            unit: "rows",
            ratio: false,
          },
          {
            parley: { side: "parley:pruning", key: "pruneRate" },
            label: "expired rows pruned per second while ingesting",
            unit: "rows/s",
            ratio: false,
          },
          {
            parley: { side: "parley:pruning", key: "prunedBy" },
            label: `expired rows pruned from start-up to the last commit (of ${m})`,
            unit: "rows",
            ratio: false,
          },
        ],
      },
    ];
  },
};
