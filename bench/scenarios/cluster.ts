/**
 * cluster: three nodes on one topology (n1 started first, so it runs the ingest; then n2, n3),
 * events published at a fixed 1,000/s: publish → applied on all three nodes (the time the event's
 * row is visible in every node's SQLite file, p50/p99 of the latest node per event), and publish →
 * WebSocket client latency through n2, a node that does not ingest. Baseline: the same load and
 * the same measurements on one parley alone (its own topology), run alternately with the three.
 *
 * Every event carries its send time (`Bench-Sent-At`, stamped by bench/load/publisher.ts). The
 * time its row became visible on each node comes from polling each node's SQLite file every 5 ms
 * (`AppliedWatch`, bench/lib/cluster.ts: resolution one poll period); the send time and the
 * ingest's `received_at` are read from the rows afterwards. The WebSocket clients (one per
 * conference, one account-wide) stamp each frame's arrival against the same send time.
 */
import { rmSync } from "node:fs";
import { connectClients } from "../lib/clients";
import { AppliedWatch, ingestedBy, sentTimes, startCluster, waitForAccount } from "../lib/cluster";
import { forkWorker, tempDir, waitFor } from "../lib/process";
import { percentile } from "../lib/report";
import type { Figure, Sample, Scenario } from "../lib/scenario";
import { createAccount, dropTopology, topology } from "../lib/setup";

const RATE = 1000;
const CONFERENCES = Array.from({ length: 10 }, (_, i) => `clu${i.toString().padStart(4, "0")}`);
/** One client per conference and one account-wide: every event reaches two sockets. */
const BINDINGS = [...CONFERENCES.map((c) => `conference.event.${c}.*`), "conference.event.*.*"];
const CLIENTS_PER_EVENT = 2;

interface Measured {
  published: number;
  /** Per event: publish → visible on every node (the slowest one), ms, sorted. */
  applied: number[];
  /** Per event: publish → visible on the ingesting node, ms, sorted. */
  appliedIngest: number[];
  /**
   * Per event: publish → the time the ingest took it into a log batch (the entry's time, stored as
   * `received_at`, ms resolution; a batch waits for the previous one's round trip), sorted.
   */
  accepted: number[];
  /** Per WebSocket frame: publish → received by the client, ms, sorted. */
  ws: number[];
  /** Events visible on every node. */
  everywhere: number;
}

const sorted = (values: number[]) => values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);

/**
 * Publishes `seconds` × RATE events while the node at `clientUrl` serves the WebSocket clients and
 * the databases are polled; `ingest` is the index of the database of the node that ingests.
 */
async function measure(
  databases: string[],
  ingest: number,
  clientUrl: string,
  exchange: string,
  account: { id: string; token: string },
  seconds: number,
): Promise<Measured> {
  const total = RATE * seconds;
  const watch = new AppliedWatch(databases, 5);
  const before = watch.lowest();
  let samples: number[];
  try {
    const pool = await connectClients(
      clientUrl,
      BINDINGS,
      { token: account.token, accountId: account.id },
      1,
    );
    try {
      const publisher = forkWorker<{ published: number }>("publisher.ts");
      publisher.send({
        exchange,
        accountId: account.id,
        conferences: CONFERENCES,
        rate: RATE,
        seconds,
      });
      const { published } = await publisher.next<{ published: number }>("done");
      if (published !== total) {
        throw new Error(`published ${published} of ${total} events`);
      }
      // Every node has every event (or the figure counts what is missing).
      await waitFor(() => watch.lowest() >= before + total, 60_000, "every node to apply").catch(
        () => {},
      );
      watch.stop();
      // The WebSocket push follows the commit; give the last frames time to arrive.
      await new Promise((r) => setTimeout(r, 300));
      ({ samples } = await pool.report());
    } finally {
      pool.close();
    }
  } finally {
    watch.stop();
  }

  const rows = sentTimes(databases[ingest] ?? "", before);
  if (rows.length === 0) {
    throw new Error("no event row carries bench_sent_at: cannot measure");
  }
  const applied: number[] = [];
  const appliedIngest: number[] = [];
  const accepted: number[] = [];
  let everywhere = 0;
  for (const { seq, sentAt, receivedAt } of rows) {
    const visible = databases.map((_, i) => watch.visibleAt(i, seq));
    if (visible.every((t) => Number.isFinite(t))) {
      everywhere += 1;
      applied.push(Math.max(...visible) - sentAt);
    }
    appliedIngest.push((visible[ingest] ?? Number.NaN) - sentAt);
    accepted.push(receivedAt - sentAt);
  }
  return {
    published: total,
    applied: sorted(applied),
    appliedIngest: sorted(appliedIngest),
    accepted: sorted(accepted),
    ws: sorted(samples),
    everywhere,
  };
}

async function threeNodes(seconds: number): Promise<Measured> {
  const names = topology();
  const dir = tempDir("cluster");
  const nodes = await startCluster(names, ["n1", "n2", "n3"], dir).catch(async (error) => {
    await dropTopology(names);
    throw error;
  });
  try {
    const [n1, n2] = nodes;
    if (!n1 || !n2) {
      throw new Error("cluster did not start");
    }
    const account = await createAccount(n1.parley.url);
    await waitForAccount(nodes, account);
    const result = await measure(
      nodes.map((n) => n.db),
      0,
      n2.parley.url,
      names.exchange,
      account,
      seconds,
    );
    // The figures name n1 as the ingest and n2 as a node that does not: check it.
    const [took1, took2] = await Promise.all([ingestedBy(n1.parley), ingestedBy(n2.parley)]);
    if (took1 < result.published || took2 > 0) {
      throw new Error(`ingest was not on n1 alone (n1 took ${took1}, n2 took ${took2} messages)`);
    }
    return result;
  } finally {
    await Promise.all(nodes.map((n) => n.parley.stop()));
    await dropTopology(names);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function oneNode(seconds: number): Promise<Measured> {
  const names = topology();
  const dir = tempDir("cluster-single");
  const nodes = await startCluster(names, ["single"], dir).catch(async (error) => {
    await dropTopology(names);
    throw error;
  });
  try {
    const [node] = nodes;
    if (!node) {
      throw new Error("parley did not start");
    }
    const account = await createAccount(node.parley.url);
    return await measure([node.db], 0, node.parley.url, names.exchange, account, seconds);
  } finally {
    await Promise.all(nodes.map((n) => n.parley.stop()));
    await dropTopology(names);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures of one run: percentiles of each measured delay, and the completeness counts. */
function sampleOf(m: Measured): Sample {
  return {
    applied50: percentile(m.applied, 50),
    applied99: percentile(m.applied, 99),
    ingest50: percentile(m.appliedIngest, 50),
    ingest99: percentile(m.appliedIngest, 99),
    accepted50: percentile(m.accepted, 50),
    ws50: percentile(m.ws, 50),
    ws99: percentile(m.ws, 99),
    everywhere: m.everywhere,
    frames: m.ws.length,
  };
}

/** No target: the rows show what the replicated log's hop costs against one node alone. */
export const cluster: Scenario = {
  name: "cluster",
  describe:
    "3 nodes on one RabbitMQ, 1,000 ev/s: publish → row on every node, on the ingest node, WebSocket frame via a node that does not ingest vs one parley alone",
  async prepare(quick) {
    const seconds = quick ? 2 : 6;
    const total = RATE * seconds;
    const frames = total * CLIENTS_PER_EVENT;
    const delay = (key: string, label: string): Figure => ({
      parley: { side: "3 nodes", key },
      baseline: { side: "1 node", key },
      label,
      unit: "ms",
      lowerIsBetter: true,
    });
    const count = (key: string, label: string, expected: number): Figure => ({
      parley: { side: "3 nodes", key },
      baseline: { side: "1 node", key },
      label: `${label} (of ${expected.toLocaleString("en-US")})`,
      unit: "",
      ratio: false,
      target: expected.toLocaleString("en-US"),
      met: (p) => p === expected,
    });
    const at = `${RATE.toLocaleString("en-US")} ev/s`;
    return [
      {
        sides: ["3 nodes", "1 node"],
        run: async (side) =>
          sampleOf(side === "3 nodes" ? await threeNodes(seconds) : await oneNode(seconds)),
        figures: [
          delay("applied50", `publish → applied on all 3 nodes p50, ${at}`),
          delay("applied99", `publish → applied on all 3 nodes p99, ${at}`),
          delay("ingest50", "publish → applied on the ingest node (n1) p50"),
          delay("ingest99", "publish → applied on the ingest node (n1) p99"),
          delay("accepted50", "publish → taken by the ingest (received_at) p50"),
          delay("ws50", "publish → WebSocket client via n2 (not ingesting) p50"),
          delay("ws99", "publish → WebSocket client via n2 (not ingesting) p99"),
          count("everywhere", "events on every node", total),
          count("frames", "WebSocket frames received", frames),
        ],
      },
    ];
  },
};
