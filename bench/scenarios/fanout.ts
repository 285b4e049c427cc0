/**
 * fan-out: many WebSocket clients on one conference; events published one every 100 ms: how long
 * until every client has each event (p50/p99 over events), and server memory per connection.
 * Baseline: a bare `ws` server broadcasting the same frames to the same clients.
 */
import { rmSync } from "node:fs";
import { connectClients } from "../lib/clients";
import { forkWorker, rssBytes, startParley, tempDir, waitFor } from "../lib/process";
import { percentile } from "../lib/report";
import { compare, type Sample, type Scenario } from "../lib/scenario";
import { ACCOUNT_ID, brokerEnv, createAccount, dropTopology, topology } from "../lib/setup";

interface Size {
  clients: number;
  events: number;
}

async function measure(
  url: string,
  exchange: string,
  auth: { token?: string; accountId?: string },
  { clients, events }: Size,
  pid: number,
): Promise<Sample> {
  const rssBefore = rssBytes(pid);
  const pool = await connectClients(
    url,
    Array.from({ length: clients }, () => "conference.event.fan0000.*"),
    auth,
  );
  try {
    await new Promise((r) => setTimeout(r, 300));
    const rssAfter = rssBytes(pid);
    const publisher = forkWorker("publisher.ts");
    publisher.send({
      exchange,
      accountId: ACCOUNT_ID,
      conferences: ["fan0000"],
      rate: 0,
      seconds: 0,
      count: events,
      intervalMs: 100,
    });
    await publisher.next("done");
    publisher.stop();
    // Until every client has every event (or 60 s): the figure is the time to full delivery. The
    // count is cheap to ask for; the samples are gathered once, at the end.
    await waitFor(
      async () => (await pool.deliveries()) >= clients * events,
      60_000,
      "every frame",
    ).catch(() => {});
    const { perEvent } = await pool.report();
    const complete = [...perEvent.values()]
      .filter((e) => e.received === clients)
      .map((e) => e.last)
      .sort((a, b) => a - b);
    return {
      p50: percentile(complete, 50),
      p99: percentile(complete, 99),
      complete: complete.length,
      perConnection: (rssAfter - rssBefore) / clients / 1024,
    };
  } finally {
    pool.close();
  }
}

async function parley(size: Size): Promise<Sample> {
  const names = topology();
  const dir = tempDir("fanout");
  try {
    const server = await startParley(brokerEnv(names, `${dir}/parley.db`));
    try {
      const account = await createAccount(server.url);
      const auth = { token: account.token, accountId: account.id };
      return await measure(server.url, names.exchange, auth, size, server.pid);
    } finally {
      await server.stop();
    }
  } finally {
    await dropTopology(names);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bare(size: Size): Promise<Sample> {
  const names = topology();
  const relay = forkWorker<{ url: string; pid: number }>("bare-relay.ts");
  try {
    relay.send({ exchange: names.exchange, queue: names.queue });
    const { url, pid } = await relay.next<{ url: string; pid: number }>("ready");
    return await measure(url, names.exchange, {}, size, pid);
  } finally {
    relay.stop();
    await dropTopology(names);
  }
}

/** Targets: the last client within 15 % of the bare relay's time, and at most 12 KiB a socket. */
export const fanout: Scenario = {
  name: "fanout",
  describe:
    "10,000 WebSocket clients on one conference, an event every 100 ms: time until the last client has it, memory per connection vs a bare ws relay broadcasting the same frames",
  async prepare(quick) {
    const size = { clients: quick ? 1000 : 10_000, events: quick ? 20 : 50 };
    const n = size.clients.toLocaleString("en-US");
    return [
      {
        sides: ["parley", "bare"],
        run: (side) => (side === "parley" ? parley(size) : bare(size)),
        figures: [
          {
            ...compare("p50"),
            label: `all ${n} clients have the event, p50`,
            unit: "ms",
            lowerIsBetter: true,
          },
          {
            ...compare("p99"),
            label: `all ${n} clients have the event, p99`,
            unit: "ms",
            lowerIsBetter: true,
            target: "≥ 0.85 × bare",
            met: (_p, _b, ratio) => ratio !== null && ratio >= 0.85,
          },
          {
            ...compare("complete"),
            label: `events delivered to every client (of ${size.events})`,
            unit: "",
            ratio: false,
            target: `${size.events}`,
            met: (p) => p === size.events,
          },
          {
            ...compare("perConnection"),
            label: "server memory per connection",
            unit: "KiB",
            ratio: false,
            target: "≤ 12 KiB",
            met: (p) => p <= 12,
          },
        ],
      },
    ];
  },
};
