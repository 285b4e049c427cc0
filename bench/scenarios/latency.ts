/**
 * latency: events published at a fixed 2,000/s while 1,000 WebSocket clients (10 on each of 100
 * conferences) and one account-wide client are subscribed: publish → receive latency, server CPU
 * and memory. Baseline: a bare relay (amqplib consumer → ws), no store, making the same
 * deliveries (each event to its conference's 10 clients and to the account-wide one).
 */
import { rmSync } from "node:fs";
import { connectClients } from "../lib/clients";
import { cpuSeconds, forkWorker, rssBytes, startParley, tempDir, waitFor } from "../lib/process";
import { counterValue } from "../lib/progress";
import { percentile } from "../lib/report";
import { compare, type Figure, type Sample, type Scenario } from "../lib/scenario";
import { ACCOUNT_ID, brokerEnv, createAccount, dropTopology, topology } from "../lib/setup";

const RATE = 2000;
const CONFERENCES = Array.from({ length: 100 }, (_, i) => `lat${i.toString().padStart(4, "0")}`);
const PER_CONFERENCE = 10;
const BINDINGS = [
  ...CONFERENCES.flatMap((c) =>
    Array.from({ length: PER_CONFERENCE }, () => `conference.event.${c}.*`),
  ),
  "conference.event.*.*",
];
/** Frames each event makes: its conference's clients and the account-wide one. */
const PER_EVENT = PER_CONFERENCE + 1;

/** One run against the server at `url` (process `pid`): the figures of `Sample`. */
async function measure(
  url: string,
  exchange: string,
  auth: { token?: string; accountId?: string },
  seconds: number,
  pid: number,
): Promise<Sample> {
  const pool = await connectClients(url, BINDINGS, auth);
  try {
    const started = performance.now();
    const cpuBefore = cpuSeconds(pid);
    let rssMax = rssBytes(pid);
    const sampler = setInterval(() => {
      rssMax = Math.max(rssMax, rssBytes(pid));
    }, 200);
    const publisher = forkWorker<{ published: number }>("publisher.ts");
    publisher.send({
      exchange,
      accountId: ACCOUNT_ID,
      conferences: CONFERENCES,
      rate: RATE,
      seconds,
    });
    const { published } = await publisher.next<{ published: number }>("done");
    publisher.stop();
    const expected = published * PER_EVENT;
    // The tail: wait (up to 15 s) until every frame arrived; what is still missing then is counted.
    await waitFor(async () => (await pool.deliveries()) >= expected, 15_000, "deliveries").catch(
      () => {},
    );
    clearInterval(sampler);
    const cpu = ((cpuSeconds(pid) - cpuBefore) / ((performance.now() - started) / 1000)) * 100;
    const { samples, deliveries } = await pool.report();
    return {
      p50: percentile(samples, 50),
      p99: percentile(samples, 99),
      p999: percentile(samples, 99.9),
      max: percentile(samples, 100),
      cpu,
      rss: rssMax / 1048576,
      deliveries,
      expected,
    };
  } finally {
    pool.close();
  }
}

async function parley(seconds: number): Promise<Sample> {
  const names = topology();
  const dir = tempDir("latency");
  try {
    const server = await startParley(brokerEnv(names, `${dir}/parley.db`));
    try {
      const account = await createAccount(server.url);
      const auth = { token: account.token, accountId: account.id };
      const sample = await measure(server.url, names.exchange, auth, seconds, server.pid);
      // parley closes a socket whose send buffer outgrows its limit (the bare relay never does).
      const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
      return { ...sample, dropped: counterValue(metrics, "parley_ws_frames_dropped_total") };
    } finally {
      await server.stop();
    }
  } finally {
    await dropTopology(names);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bare(seconds: number): Promise<Sample> {
  const names = topology();
  const relay = forkWorker<{ url: string; pid: number }>("bare-relay.ts");
  try {
    relay.send({ exchange: names.exchange, queue: names.queue });
    const { url, pid } = await relay.next<{ url: string; pid: number }>("ready");
    return await measure(url, names.exchange, {}, seconds, pid);
  } finally {
    relay.stop();
    await dropTopology(names);
  }
}

/** Target p99 within 10 % of the bare relay's on the same machine and load. */
export const latency: Scenario = {
  name: "latency",
  describe:
    "2,000 ev/s to 1,001 WebSocket clients (10 × 100 conferences + 1 account-wide): publish → client delay, CPU, RSS vs a bare amqplib → ws relay making the same deliveries",
  async prepare(quick) {
    const seconds = quick ? 3 : 10;
    const expected = RATE * seconds * PER_EVENT;
    const n = expected.toLocaleString("en-US");
    const delay = (label: string, key: string): Figure => ({
      ...compare(key),
      label: `publish → client ${label}`,
      unit: "ms",
      lowerIsBetter: true,
    });
    return [
      {
        sides: ["parley", "bare"],
        run: (side) => (side === "parley" ? parley(seconds) : bare(seconds)),
        figures: [
          delay("p50", "p50"),
          {
            ...delay("p99", "p99"),
            target: "≤ 1.1 × bare",
            met: (_p, _b, ratio) => ratio !== null && ratio >= 1 / 1.1,
          },
          delay("p99.9", "p999"),
          delay("max", "max"),
          {
            ...compare("cpu"),
            label: `server CPU at ${RATE.toLocaleString("en-US")} ev/s`,
            unit: "%",
            ratio: false,
          },
          { ...compare("rss"), label: "server peak RSS, 1,001 clients", unit: "MiB", ratio: false },
          {
            ...compare("deliveries"),
            label: `frames delivered (of ${n})`,
            unit: "",
            ratio: false,
            target: n,
            met: (p) => p === expected,
          },
          {
            parley: { side: "parley", key: "dropped" },
            label: "clients parley closed as slow consumers",
            unit: "",
          },
        ],
      },
    ];
  },
};
